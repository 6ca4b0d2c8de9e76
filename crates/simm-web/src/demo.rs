//! Demo data for `simm serve --demo`: a consultant, a fictitious
//! organisation with a closed assessment of synthetic respondents, and an
//! open one with invitation links. Everything is labelled as synthetic.

use std::collections::BTreeMap;

use simm_store::{
    AssessmentState, NewInvitation, NewOrganization, NewResponse, Role, hash_token, new_token,
};

use crate::{AppError, AppState};

pub const DEMO_EMAIL: &str = "demo@simm.example";
pub const DEMO_ORGANIZATION: &str = "Northwind Logistics (synthetic demo data)";
const DEMO_RESPONDENTS: usize = 72;

/// How to try the demo, printed at start-up.
pub struct DemoInfo {
    pub email: String,
    /// Set when this start created the account; later starts cannot show it.
    pub password: Option<String>,
    pub invitation_links: Vec<String>,
}

/// Creates the demo data when it is absent; does nothing when present.
pub async fn ensure_demo(state: &AppState, model_version_id: &str) -> Result<DemoInfo, AppError> {
    let store = &state.store;
    if store.user_by_email(DEMO_EMAIL).await?.is_some() {
        return Ok(DemoInfo {
            email: DEMO_EMAIL.into(),
            password: None,
            invitation_links: Vec::new(),
        });
    }
    let password = crate::accounts::generate_password();
    let user = crate::accounts::add_user(store, DEMO_EMAIL, Role::Consultant, &password)
        .await
        .map_err(AppError::internal)?;
    let organization = store
        .create_organization(
            &NewOrganization {
                name: DEMO_ORGANIZATION.into(),
                industry: Some("Logistics".into()),
                size: Some("1000-4999".into()),
                country: Some("NL".into()),
            },
            &user.id,
        )
        .await?;
    let model = state.model(model_version_id).await?;

    let baseline = store
        .create_assessment(
            &organization.id,
            "Baseline 2026 (synthetic)",
            model_version_id,
        )
        .await?;
    store
        .open_assessment(&baseline.id, simm_core::Policy::of_model(&model).minimum())
        .await?;
    let responses = synthetic_responses(&model, DEMO_RESPONDENTS, 2026);
    store.insert_responses(&baseline.id, &responses).await?;
    // Closing releases them as any assessment's responses are released:
    // through the privacy policy.
    let closed = crate::results::release_assessment(state, &baseline.id, true).await?;
    debug_assert_eq!(closed.assessment.state, AssessmentState::Closed);

    let follow_up = store
        .create_assessment(
            &organization.id,
            "Follow-up 2027 (synthetic)",
            model_version_id,
        )
        .await?;
    let mut links = Vec::new();
    let mut invitations = Vec::new();
    for role in ["executive", "manager", "employee", "employee", "partner"] {
        let token = new_token();
        links.push(format!("{}/r/{token}", state.config.public_url));
        invitations.push(NewInvitation {
            token_hash: hash_token(&token),
            attributes: BTreeMap::from([
                ("role".to_owned(), role.to_owned()),
                ("unit".to_owned(), "Operations".to_owned()),
            ]),
        });
    }
    store
        .create_invitations(&follow_up.id, &invitations)
        .await?;
    store
        .open_assessment(&follow_up.id, simm_core::Policy::of_model(&model).minimum())
        .await?;
    Ok(DemoInfo {
        email: DEMO_EMAIL.into(),
        password: Some(password),
        invitation_links: links,
    })
}

/// Synthetic respondents whose answers fall with the stage of the item and
/// differ by area and role, so the demo shows a realistic, uneven profile.
pub fn synthetic_responses(model: &simm_core::Model, count: usize, seed: u64) -> Vec<NewResponse> {
    let mut random = SplitMix(seed);
    let roles = [
        ("executive", 0.6),
        ("manager", 0.3),
        ("employee", 0.0),
        ("partner", -0.4),
    ];
    let units = ["Operations", "Sales", "Finance", "IT", "Procurement"];
    let points = f64::from(model.scale().points);
    (0..count)
        .map(|index| {
            let (role, optimism) = roles[[0, 1, 1, 2, 2, 2, 2, 3][index % 8]];
            let unit = if role == "partner" {
                "Procurement"
            } else {
                units[random.below(4)]
            };
            let personal = random.normal() * 0.4;
            let answers = model
                .items()
                .iter()
                .map(|item| {
                    if random.unit() < 0.05 {
                        return 0;
                    }
                    let area_offset = match item.area.as_str() {
                        "vision" => 0.5,
                        "organization" => 0.2,
                        "technology" => -0.4,
                        _ => 0.0,
                    };
                    let expected = points - 0.9 * f64::from(item.stage.get())
                        + area_offset
                        + optimism
                        + personal;
                    (expected + random.normal() * 0.8)
                        .round()
                        .clamp(1.0, points) as u8
                })
                .collect();
            NewResponse {
                attributes: BTreeMap::from([
                    ("role".to_owned(), role.to_owned()),
                    ("unit".to_owned(), unit.to_owned()),
                ]),
                answers,
            }
        })
        .collect()
}

/// A small, fast, seedable generator (SplitMix64): demo data must look
/// random and be the same on every machine; no crate is needed for that.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }

    /// A standard normal draw (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}
