//! Messages through a real SMTP server: the mail sink `scripts/smtp-sink`
//! starts on loopback (aiosmtpd, STARTTLS with a self-signed certificate
//! and AUTH), whose delivered files the test reads back.

use simm_mail::{
    EmailAddress, Relay, SendError, SmtpSettings, Template, Values, compose, parse_sender,
};

#[path = "support/mail_sink.rs"]
mod mail_sink;
use mail_sink::MailSink;

fn unique(local: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{local}-{nanos}@relay-test.example")
}

fn relay(sink: &MailSink) -> Relay {
    Relay::new(
        SmtpSettings::parse(&sink.url).unwrap(),
        Some(sink.password.clone()),
        parse_sender("\"Acme Consulting\" <simm@acme.example>").unwrap(),
    )
    .unwrap()
}

fn message(to: &EmailAddress, organization: &str) -> simm_mail::Message {
    let template =
        Template::parse("{organization}: your view", "Hello,\n\nYour link: {link}").unwrap();
    let rendered = template.render(&Values {
        organization,
        assessment: "Baseline",
        deadline: None,
        link: "http://127.0.0.1:1/r/token-abc",
        anonymity_min: 5,
    });
    compose(relay_from(), to, "outbox-1", "en", &rendered).unwrap()
}

fn relay_from() -> &'static simm_mail::Mailbox {
    static FROM: std::sync::OnceLock<simm_mail::Mailbox> = std::sync::OnceLock::new();
    FROM.get_or_init(|| parse_sender("\"Acme Consulting\" <simm@acme.example>").unwrap())
}

#[tokio::test]
async fn a_message_arrives_over_starttls_signed_in_as_multipart_text_and_html() {
    let sink = MailSink::required();
    let to = EmailAddress::parse(&unique("dana")).unwrap();
    relay(&sink)
        .send(message(&to, "Acme\r\nBcc: eve@example.com <script>"))
        .await
        .unwrap();
    let delivered = sink.delivered_to(to.as_str());
    assert_eq!(delivered.len(), 1);
    let text = &delivered[0].decoded;
    assert!(text.contains("X-Sink-TLS: yes"), "{text}");
    assert!(text.contains("X-Sink-Auth: simm"), "{text}");
    assert!(text.contains("multipart/alternative"), "{text}");
    assert!(text.contains("text/plain"), "{text}");
    assert!(text.contains("text/html"), "{text}");
    assert!(
        text.contains("Message-ID: <outbox-1@acme.example>"),
        "{text}"
    );
    // The organisation's line break did not start a header: no Bcc line,
    // and the only recipient is the one given.
    assert!(!text.lines().any(|line| line.starts_with("Bcc:")), "{text}");
    assert!(
        text.contains(&format!("X-Sink-To: {to}\r\n"))
            || text.contains(&format!("X-Sink-To: {to}\n")),
        "{text}"
    );
    assert!(
        text.contains("because Acme  Bcc: eve@example.com <script> invited"),
        "{text}"
    );
    assert!(
        text.contains("<title>Acme  Bcc: eve@example.com &lt;script&gt;: your view</title>"),
        "{text}"
    );
}

#[tokio::test]
async fn the_relay_answers_are_told_apart() {
    let sink = MailSink::required();
    let relay = relay(&sink);
    let rejected = EmailAddress::parse(&unique("reject")).unwrap();
    match relay.send(message(&rejected, "Acme")).await {
        Err(SendError::Permanent(answer)) => assert!(answer.contains("550"), "{answer}"),
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    let later = EmailAddress::parse(&unique("tempfail")).unwrap();
    match relay.send(message(&later, "Acme")).await {
        Err(SendError::Transient(answer)) => assert!(answer.contains("451"), "{answer}"),
        other => panic!("expected a transient failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_password_or_an_untrusted_certificate_is_not_sent() {
    let sink = MailSink::required();
    let to = EmailAddress::parse(&unique("nobody")).unwrap();
    let wrong = Relay::new(
        SmtpSettings::parse(&sink.url).unwrap(),
        Some("wrong".into()),
        relay_from().clone(),
    )
    .unwrap();
    assert!(wrong.send(message(&to, "Acme")).await.is_err());
    // Without the sink's certificate, STARTTLS must not accept it.
    let without_ca = sink.url.split("&ca=").next().unwrap().to_owned();
    let untrusted = Relay::new(
        SmtpSettings::parse(&without_ca).unwrap(),
        Some(sink.password.clone()),
        relay_from().clone(),
    )
    .unwrap();
    assert!(untrusted.send(message(&to, "Acme")).await.is_err());
    assert!(sink.delivered_to(to.as_str()).is_empty());
}
