//! Which columns of an export identify people, or are the survey tool's
//! bookkeeping, and so never reach simm unless a mapping names them.

use std::fmt;

/// Why a column was left out of the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    Email,
    Name,
    IpAddress,
    /// The tool's response or respondent id, a token, an external reference.
    ResponseId,
    /// When a response was started, submitted or changed.
    Timestamp,
    Location,
    /// The page the respondent came from.
    Referrer,
    /// The tool's bookkeeping: progress, status, language, quiz points.
    SurveyMetadata,
    /// The mapping's `drop` list names it.
    Mapping,
}

impl DropReason {
    /// Whether the column identifies people (as opposed to bookkeeping or
    /// the consultant's choice).
    pub fn identifies(self) -> bool {
        !matches!(self, DropReason::SurveyMetadata | DropReason::Mapping)
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::Email => "email address",
            DropReason::Name => "name",
            DropReason::IpAddress => "IP address",
            DropReason::ResponseId => "response id",
            DropReason::Timestamp => "timestamp",
            DropReason::Location => "location",
            DropReason::Referrer => "referrer URL",
            DropReason::SurveyMetadata => "survey tool metadata",
            DropReason::Mapping => "dropped by the mapping",
        })
    }
}

/// Header spellings, lower case with only letters and digits kept, that
/// the tools in docs/import.md write for each kind of column.
const KNOWN: &[(DropReason, &[&str])] = &[
    (
        DropReason::Email,
        &[
            "email",
            "emailaddress",
            "recipientemail",
            "respondentemail",
            "mail",
        ],
    ),
    (
        DropReason::Name,
        &[
            "name",
            "firstname",
            "lastname",
            "fullname",
            "recipientfirstname",
            "recipientlastname",
            "respondentname",
        ],
    ),
    (DropReason::IpAddress, &["ipaddress", "ipaddr", "ip"]),
    (
        DropReason::ResponseId,
        &[
            "id",
            "responseid",
            "respondent",
            "respondentid",
            "token",
            "accesscode",
            "externalreference",
            "externaldatareference",
            "participantid",
            "submissionid",
        ],
    ),
    (
        DropReason::Timestamp,
        &[
            "timestamp",
            "startdate",
            "enddate",
            "recordeddate",
            "submitdate",
            "datesubmitted",
            "datestamp",
            "datestarted",
            "datelastaction",
            "starttime",
            "completiontime",
            "lastmodifiedtime",
        ],
    ),
    (
        DropReason::Location,
        &[
            "location",
            "locationlatitude",
            "locationlongitude",
            "latitude",
            "longitude",
        ],
    ),
    (DropReason::Referrer, &["refurl", "referrerurl", "referer"]),
    (
        DropReason::SurveyMetadata,
        &[
            "status",
            "progress",
            "durationinseconds",
            "finished",
            "distributionchannel",
            "userlanguage",
            "lastpage",
            "startlanguage",
            "seed",
            "totalpoints",
            "quizfeedback",
            "score",
        ],
    ),
];

/// Letters and digits only, lower case: "IP Address" and "ipaddr" meet
/// their entries whatever the tool's spacing and case.
pub(crate) fn squash(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Why a column with this header is left out by default, if it is.
pub(crate) fn default_drop(header: &str) -> Option<DropReason> {
    let squashed = squash(header);
    if let Some((reason, _)) = KNOWN
        .iter()
        .find(|(_, names)| names.contains(&squashed.as_str()))
    {
        return Some(*reason);
    }
    // Microsoft Forms' quizzes add "Points - Question" and
    // "Feedback - Question" beside every question.
    let lower = header.trim().to_lowercase();
    (lower.starts_with("points - ") || lower.starts_with("feedback - "))
        .then_some(DropReason::SurveyMetadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tools_identifying_columns_are_dropped() {
        let check = |header: &str, expected: Option<DropReason>| {
            assert_eq!(default_drop(header), expected, "{header:?}");
        };
        check("RecipientEmail", Some(DropReason::Email));
        check("Email Address", Some(DropReason::Email));
        check("Name", Some(DropReason::Name));
        check("IPAddress", Some(DropReason::IpAddress));
        check("ipaddr", Some(DropReason::IpAddress));
        check("ResponseId", Some(DropReason::ResponseId));
        check("Response ID", Some(DropReason::ResponseId));
        check("ExternalReference", Some(DropReason::ResponseId));
        check("Timestamp", Some(DropReason::Timestamp));
        check("Completion time", Some(DropReason::Timestamp));
        check("LocationLatitude", Some(DropReason::Location));
        check("refurl", Some(DropReason::Referrer));
        check("Duration (in seconds)", Some(DropReason::SurveyMetadata));
        check("Points - We plan ahead", Some(DropReason::SurveyMetadata));
        check("Our organisation has written plans", None);
        check("Role", None);
    }
}
