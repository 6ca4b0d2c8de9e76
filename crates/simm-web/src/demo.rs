//! Demo data for `simm serve --demo`: a consultant, a fictitious
//! organisation with two closed rounds of synthetic respondents (the
//! second with a real improvement in two areas and noise elsewhere), a
//! target, an action plan with an action in every status, and an open
//! assessment with invitation links. Everything is labelled as synthetic.

use std::collections::BTreeMap;

use simm_store::{
    AssessmentState, NewInvitation, NewOrganization, NewResponse, Role, hash_token, new_token,
};

use crate::{AppError, AppState};

pub const DEMO_EMAIL: &str = "demo@simm.example";
pub const DEMO_ORGANIZATION: &str = "Northwind Logistics (synthetic demo data)";
const DEMO_RESPONDENTS: usize = 72;
const DAY: i64 = 86_400;

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

    let policy = simm_core::Policy::of_model(&model);
    let baseline = closed_round(
        state,
        &organization.id,
        model_version_id,
        "Baseline 2025 (synthetic)",
        synthetic_round(&model, DEMO_RESPONDENTS, 2025, &|_| 0.0),
    )
    .await?;
    // The baseline closed a year before the second round, which closes
    // now: rounds are ordered by their closing.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64);
    store.date_closing(&baseline.id, now - 365 * DAY).await?;
    let Some(results) = shown_results(state, &baseline).await? else {
        return Err(AppError::internal(anyhow::anyhow!(
            "the demo baseline is too small to show"
        )));
    };
    let current: Vec<(simm_core::AreaId, simm_core::StageLevel)> = results
        .areas
        .iter()
        .map(|area| (area.id.clone(), area.stage))
        .collect();
    let date = Some("2027-12-31");
    let target =
        simm_core::Target::parse(&model, &[], date, &current).map_err(AppError::internal)?;
    store
        .set_target(&organization.id, &target, &user.id)
        .await?;
    demo_actions(
        state,
        &organization.id,
        &user.id,
        &model,
        &results,
        &target,
        now,
    )
    .await?;

    // The second round: technology and management improved for real, the
    // other areas differ by sampling noise only.
    closed_round(
        state,
        &organization.id,
        model_version_id,
        "Round 2 2026 (synthetic)",
        synthetic_round(&model, DEMO_RESPONDENTS, 2026, &|area| match area {
            "technology" => 0.8,
            "management" => 0.6,
            _ => 0.0,
        }),
    )
    .await?;
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
        .open_assessment(&follow_up.id, policy.minimum())
        .await?;
    Ok(DemoInfo {
        email: DEMO_EMAIL.into(),
        password: Some(password),
        invitation_links: links,
    })
}

/// An assessment of the organisation with these responses, opened and
/// closed: closing releases them as any assessment's responses are
/// released, through the privacy policy.
async fn closed_round(
    state: &AppState,
    organization_id: &str,
    model_version_id: &str,
    title: &str,
    responses: Vec<NewResponse>,
) -> Result<simm_store::Assessment, AppError> {
    let store = &state.store;
    let model = state.model(model_version_id).await?;
    let assessment = store
        .create_assessment(organization_id, title, model_version_id)
        .await?;
    store
        .open_assessment(
            &assessment.id,
            simm_core::Policy::of_model(&model).minimum(),
        )
        .await?;
    store.insert_responses(&assessment.id, &responses).await?;
    let closed = crate::results::release_assessment(state, &assessment.id, true).await?;
    debug_assert_eq!(closed.assessment.state, AssessmentState::Closed);
    Ok(closed.assessment)
}

async fn shown_results(
    state: &AppState,
    assessment: &simm_store::Assessment,
) -> Result<Option<simm_core::Results>, AppError> {
    Ok(
        match crate::results::assessment_results(state, assessment, None)
            .await?
            .1
        {
            crate::results::AssessmentResults::Shown(results) => Some(*results),
            crate::results::AssessmentResults::Hidden { .. } => None,
        },
    )
}

/// An action in every status: two adopted from the roadmap's first phase
/// (one done before the second round, so its outcome shows), one in
/// progress, one planned without a practice, one dropped.
async fn demo_actions(
    state: &AppState,
    organization_id: &str,
    user_id: &str,
    model: &simm_core::Model,
    results: &simm_core::Results,
    target: &simm_core::Target,
    now: i64,
) -> Result<(), AppError> {
    use simm_core::ActionStatus;
    let store = &state.store;
    let roadmap = simm_core::roadmap(model, results, target);
    let practices: Vec<&simm_core::RoadmapPractice> = roadmap
        .phases
        .iter()
        .flat_map(|phase| &phase.practices)
        .collect();
    // The done action is one of technology's, the area that improves.
    let mut ordered: Vec<&simm_core::RoadmapPractice> = practices
        .iter()
        .copied()
        .filter(|p| p.area.as_str() == "technology")
        .chain(
            practices
                .iter()
                .copied()
                .filter(|p| p.area.as_str() != "technology"),
        )
        .collect();
    ordered.truncate(3);
    let due = |text: &str| simm_core::CalendarDate::parse(text).ok();
    let plan = [
        (ActionStatus::Done, "IT team", "2026-06-30"),
        (ActionStatus::InProgress, "Head of Operations", "2026-12-15"),
        (ActionStatus::Dropped, "Procurement", "2026-09-30"),
    ];
    for (practice, (status, owner, by)) in ordered.iter().zip(plan) {
        let item = &model.items()[model
            .item_index(practice.item.as_str())
            .expect("a model item")];
        let action = store
            .create_action(
                organization_id,
                &simm_store::NewAction {
                    title: simm_report::format::one_line(&item.practice),
                    item: Some(item.id.to_string()),
                    area: Some(item.area.to_string()),
                    owner: Some(owner.to_owned()),
                    due: due(by),
                    status: ActionStatus::Planned,
                    notes: "Synthetic demo action.".to_owned(),
                },
                user_id,
            )
            .await?;
        if status != ActionStatus::Planned {
            if status == ActionStatus::Done {
                store
                    .update_action(
                        &action.id,
                        &simm_store::ActionChanges {
                            status: Some(ActionStatus::InProgress),
                            ..Default::default()
                        },
                        user_id,
                    )
                    .await?;
                store
                    .date_status_change(&action.id, ActionStatus::InProgress, now - 240 * DAY)
                    .await?;
            }
            store
                .update_action(
                    &action.id,
                    &simm_store::ActionChanges {
                        status: Some(status),
                        ..Default::default()
                    },
                    user_id,
                )
                .await?;
            if status == ActionStatus::Done {
                // Done between the rounds, so that its outcome shows.
                store
                    .date_status_change(&action.id, ActionStatus::Done, now - 180 * DAY)
                    .await?;
            }
        }
    }
    store
        .create_action(
            organization_id,
            &simm_store::NewAction {
                title: "Present the results to the management team".to_owned(),
                item: None,
                area: None,
                owner: Some("Chief Innovation Officer".to_owned()),
                due: due("2026-03-31"),
                status: ActionStatus::Planned,
                notes: String::new(),
            },
            user_id,
        )
        .await?;
    Ok(())
}

/// Synthetic respondents whose answers fall with the stage of the item and
/// differ by area and role, so the demo shows a realistic, uneven profile.
pub fn synthetic_responses(model: &simm_core::Model, count: usize, seed: u64) -> Vec<NewResponse> {
    synthetic_round(model, count, seed, &|_| 0.0)
}

/// Synthetic respondents as [`synthetic_responses`], with the answers of
/// each area raised by `lift(area)` scale points: a round after work.
pub fn synthetic_round(
    model: &simm_core::Model,
    count: usize,
    seed: u64,
    lift: &dyn Fn(&str) -> f64,
) -> Vec<NewResponse> {
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
                        + personal
                        + lift(item.area.as_str());
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
