//! The bodies the API reads and writes. Request bodies refuse unknown
//! fields and become domain values here, at the edge, with messages that
//! name the offending field; response bodies are built from store records.
//! Optional fields that the document does not mark nullable refuse `null`
//! ([`present`]); those it marks nullable take `null` as absent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use simm_core::{Model, did_you_mean, quote_value};
use simm_store::{
    Assessment, Attributes, InvitationState, ModelVersion, NewOrganization, Organization,
    ParticipationRow, Role, User,
};

use crate::AppError;
use crate::extract::fields::{Whole, present};

/// The most invitations one request may create.
pub const MAX_INVITATIONS: u32 = 5000;
/// The model an assessment uses when the request names none.
pub const DEFAULT_MODEL: &str = "smartsourcing";

fn invalid(field: &str, message: impl std::fmt::Display) -> AppError {
    AppError::bad_request(format!("{field}: {message}"))
}

/// A required text: trimmed, 1 to
/// [`MAX_TEXT_CHARS`](simm_core::MAX_TEXT_CHARS) characters.
fn required_text(field: &str, text: &str) -> Result<String, AppError> {
    optional_text(field, Some(text))?.ok_or_else(|| invalid(field, "must not be empty"))
}

/// An optional text: trimmed; empty counts as absent. The rules are
/// [`simm_core::check_text`]'s, which the console shares.
fn optional_text(field: &str, text: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(text) = text else { return Ok(None) };
    simm_core::check_text(text)
        .map(|text| text.map(str::to_owned))
        .map_err(|problem| invalid(field, problem))
}

// ----- organisations -----------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationBody {
    pub name: String,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub size: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

impl NewOrganizationBody {
    pub fn into_domain(self) -> Result<NewOrganization, AppError> {
        Ok(NewOrganization {
            name: required_text("name", &self.name)?,
            industry: optional_text("industry", self.industry.as_deref())?,
            size: optional_text("size", self.size.as_deref())?,
            country: optional_text("country", self.country.as_deref())?,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct OrganizationDto {
    pub id: String,
    pub name: String,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub country: Option<String>,
}

impl From<Organization> for OrganizationDto {
    fn from(organization: Organization) -> OrganizationDto {
        OrganizationDto {
            id: organization.id,
            name: organization.name,
            industry: organization.industry,
            size: organization.size,
            country: organization.country,
        }
    }
}

// ----- access, users and models ------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccessBody {
    /// The email of an existing viewer or consultant.
    pub email: String,
}

/// A user granted an organisation.
#[derive(Debug, Serialize)]
pub struct AccessDto {
    pub email: String,
    pub role: &'static str,
}

impl From<User> for AccessDto {
    fn from(user: User) -> AccessDto {
        AccessDto {
            email: user.email,
            role: user.role.as_str(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct UserDto {
    pub id: String,
    pub email: String,
    pub role: &'static str,
}

impl From<User> for UserDto {
    fn from(user: User) -> UserDto {
        UserDto {
            id: user.id,
            email: user.email,
            role: user.role.as_str(),
        }
    }
}

const ROLES: [Role; 4] = [Role::Viewer, Role::Consultant, Role::Steward, Role::Admin];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub email: String,
    pub role: String,
    pub password: String,
}

impl NewUserBody {
    /// The role named; email and password are checked by
    /// [`crate::accounts::add_user`].
    pub fn role(&self) -> Result<Role, AppError> {
        // Exact, as the document's enum: " viewer" is not a role.
        let role = self.role.as_str();
        Role::parse(role).ok_or_else(|| {
            let roles = ROLES.iter().map(|role| role.as_str());
            let hint = match did_you_mean(role, roles.clone()) {
                Some(suggestion) => format!("did you mean {suggestion:?}? "),
                None => String::new(),
            };
            invalid(
                "role",
                format!(
                    "{} is not a role; {hint}use one of {}",
                    quote_value(role),
                    list(roles)
                ),
            )
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeBody {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Serialize)]
pub struct ModelVersionDto {
    pub id: String,
    pub model_id: String,
    pub version: String,
    pub content_hash: String,
    pub title: String,
}

impl From<ModelVersion> for ModelVersionDto {
    fn from(version: ModelVersion) -> ModelVersionDto {
        ModelVersionDto {
            id: version.id,
            model_id: version.model_id,
            version: version.version,
            content_hash: version.content_hash,
            title: version.title,
        }
    }
}

// ----- assessments -------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssessmentBody {
    pub title: String,
    /// A model id; [`DEFAULT_MODEL`] when absent.
    #[serde(default, deserialize_with = "present")]
    pub model: Option<String>,
    /// An exact stored version of the model; the newest when absent.
    #[serde(default, deserialize_with = "present")]
    pub model_version: Option<String>,
}

/// A new assessment's checked request, before the model version is looked up.
pub struct NewAssessment {
    pub title: String,
    pub model: String,
    pub model_version: Option<String>,
}

impl NewAssessmentBody {
    pub fn into_domain(self) -> Result<NewAssessment, AppError> {
        let title = required_text("title", &self.title)?;
        let model = match self.model.as_deref().map(str::trim) {
            None => DEFAULT_MODEL.to_owned(),
            Some("") => {
                return Err(invalid(
                    "model",
                    "must not be empty; leave it out to use the built-in model",
                ));
            }
            Some(model) => model.to_owned(),
        };
        let model_version = match self.model_version.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(invalid(
                    "model_version",
                    "must not be empty; leave it out to use the newest version",
                ));
            }
            Some(version) => Some(version.to_owned()),
        };
        Ok(NewAssessment {
            title,
            model,
            model_version,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct ModelRefDto {
    pub id: String,
    pub version: String,
}

#[derive(Debug, Serialize)]
pub struct AssessmentDto {
    pub id: String,
    pub title: String,
    pub state: &'static str,
    pub model: ModelRefDto,
    /// Frozen when the assessment first opens; `null` before.
    pub anonymity_min: Option<u32>,
    pub organization_id: String,
}

impl AssessmentDto {
    pub fn new(assessment: Assessment, model: &Model) -> AssessmentDto {
        AssessmentDto {
            id: assessment.id,
            title: assessment.title,
            state: assessment.state.as_str(),
            model: ModelRefDto {
                id: model.id().as_str().to_owned(),
                version: model.version().to_owned(),
            },
            anonymity_min: assessment.anonymity_min,
            organization_id: assessment.organization_id,
        }
    }
}

// ----- invitations -------------------------------------------------------

/// Either `count` invitations sharing `attributes`, or one invitation per
/// entry of `rows`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitationsBody {
    #[serde(default, deserialize_with = "present")]
    pub count: Option<Whole<u32>>,
    #[serde(default, deserialize_with = "present")]
    pub attributes: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "present")]
    pub rows: Option<Vec<BTreeMap<String, String>>>,
}

impl NewInvitationsBody {
    /// The attribute sets of the invitations to create, one per
    /// invitation, checked against the model's attributes. Every row is
    /// checked before anything is stored; the first bad one is reported.
    pub fn into_domain(self, model: &Model) -> Result<Vec<Attributes>, AppError> {
        let range = format!("1 to {MAX_INVITATIONS}");
        match (self.count, self.attributes, self.rows) {
            (Some(_), _, Some(_)) => Err(AppError::bad_request(
                "give either count (with optional attributes) or rows, not both",
            )),
            (None, Some(_), Some(_)) => Err(invalid(
                "attributes",
                "goes with count; with rows, give the attributes in each row",
            )),
            (None, _, None) => Err(invalid(
                "count",
                "is required: the number of invitations to create (or give rows, one attribute set per invitation)",
            )),
            (Some(Whole(count)), attributes, None) => {
                if !(1..=MAX_INVITATIONS).contains(&count) {
                    return Err(invalid("count", format!("must be {range}, not {count}")));
                }
                let attributes =
                    check_attributes(model, "attributes", attributes.unwrap_or_default())?;
                Ok(vec![attributes; count as usize])
            }
            (None, None, Some(rows)) => {
                if rows.is_empty() || rows.len() > MAX_INVITATIONS as usize {
                    return Err(invalid(
                        "rows",
                        format!("must hold {range} attribute sets, not {}", rows.len()),
                    ));
                }
                rows.into_iter()
                    .enumerate()
                    .map(|(index, row)| check_attributes(model, &format!("rows[{index}]"), row))
                    .collect()
            }
        }
    }
}

/// Checks that every key is an attribute of the model and every value one
/// of its declared values (in the declared spelling), by the rules the
/// console's forms share ([`simm_core::attribute_value`]); empty values
/// are left out.
pub(crate) fn check_attributes(
    model: &Model,
    field: &str,
    given: BTreeMap<String, String>,
) -> Result<Attributes, AppError> {
    let mut attributes = Attributes::new();
    for (key, value) in given {
        let path = format!("{field}.{key}");
        let Some(attribute) = model.attribute(&key) else {
            let ids = model.attributes().iter().map(|a| a.id.as_str());
            let hint = match did_you_mean(&key, ids.clone()) {
                Some(suggestion) => format!("; did you mean {suggestion:?}?"),
                None => format!("; its attributes are {}", list(ids)),
            };
            return Err(invalid(
                &path,
                format!("the model has no attribute {}{hint}", quote_value(&key)),
            ));
        };
        if let Some(value) = simm_core::attribute_value(attribute, &value)
            .map_err(|problem| invalid(&path, problem))?
        {
            attributes.insert(attribute.id.as_str().to_owned(), value.to_owned());
        }
    }
    Ok(attributes)
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Serialize)]
pub struct CreatedInvitationDto {
    /// The secret of the link; shown only in this response.
    pub token: String,
    pub url: String,
    pub attributes: Attributes,
}

#[derive(Debug, Serialize)]
pub struct CreatedInvitationsDto {
    pub invitations: Vec<CreatedInvitationDto>,
}

// ----- participation -----------------------------------------------------

#[derive(Debug, Default, Serialize)]
pub struct ParticipationDto {
    /// All invitations.
    pub invitations: i64,
    /// Invitations whose link was opened.
    pub opened: i64,
    /// Began answering and have not submitted yet.
    pub started: i64,
    pub submitted: i64,
    /// Responses published by a release: what results are computed from.
    pub released: u64,
    /// Submitted responses with an answer that wait for the next release
    /// (held back, once the assessment is closed).
    pub awaiting_release: u64,
    /// Submitted responses without any answer, which are never published.
    pub blank: u64,
    /// Responses uploaded offline, without an invitation: they count in
    /// `released`, `awaiting_release` and `blank` and in no invitation.
    pub imported: i64,
    /// Submitted invitations over all invitations; `null` without any.
    pub response_rate: Option<f64>,
    /// The overall rate survey practice aims for.
    pub target_rate: f64,
    /// Whether the overall rate reaches it.
    pub meets_target: bool,
    /// A group below this rate is flagged `low`.
    pub low_rate: f64,
    pub by_group: Vec<ParticipationGroupDto>,
}

#[derive(Debug, Serialize)]
pub struct ParticipationGroupDto {
    pub attributes: Attributes,
    pub invitations: i64,
    pub opened: i64,
    pub pending: i64,
    pub started: i64,
    pub submitted: i64,
    pub response_rate: Option<f64>,
    /// Below the low rate (60 %).
    pub low: bool,
}

impl ParticipationDto {
    /// Sums the store's rows (one per attribute set and state) into totals
    /// and one group per attribute set.
    pub fn from_rows(rows: Vec<ParticipationRow>) -> ParticipationDto {
        let mut dto = ParticipationDto::default();
        let mut groups: BTreeMap<Attributes, ParticipationGroupDto> = BTreeMap::new();
        for row in rows {
            let group =
                groups
                    .entry(row.attributes.clone())
                    .or_insert_with(|| ParticipationGroupDto {
                        attributes: row.attributes,
                        invitations: 0,
                        opened: 0,
                        pending: 0,
                        started: 0,
                        submitted: 0,
                        response_rate: None,
                        low: false,
                    });
            dto.invitations += row.invitations;
            dto.opened += row.opened;
            group.invitations += row.invitations;
            group.opened += row.opened;
            match row.state {
                InvitationState::Pending => group.pending += row.invitations,
                InvitationState::Started => {
                    group.started += row.invitations;
                    dto.started += row.invitations;
                }
                InvitationState::Submitted => {
                    group.submitted += row.invitations;
                    dto.submitted += row.invitations;
                }
            }
        }
        dto.by_group = groups
            .into_values()
            .map(|mut group| {
                group.response_rate = simm_core::response_rate(group.invitations, group.submitted);
                group.low = simm_core::rate_standing(group.invitations, group.submitted)
                    == simm_core::RateStanding::Low;
                group
            })
            .collect();
        dto.response_rate = simm_core::response_rate(dto.invitations, dto.submitted);
        dto.target_rate = simm_core::TARGET_RESPONSE_RATE;
        dto.low_rate = simm_core::LOW_RESPONSE_RATE;
        dto.meets_target = simm_core::rate_standing(dto.invitations, dto.submitted)
            == simm_core::RateStanding::MeetsTarget;
        dto
    }
}

// ----- results -----------------------------------------------------------

/// What an interim snapshot published.
#[derive(Debug, Serialize)]
pub struct SnapshotDto {
    pub released: u64,
    /// Responses without any answer, left out.
    pub blank: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsQuery {
    #[serde(default)]
    pub group_by: Option<String>,
}

/// What results show while fewer than `anonymity_min` respondents have
/// submitted: their number and nothing else.
#[derive(Debug, Serialize)]
pub struct SuppressedResultsDto {
    pub respondents: u64,
    pub suppressed: bool,
    pub anonymity_min: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitations(json: &str) -> Result<Vec<Attributes>, String> {
        let body: NewInvitationsBody = serde_json::from_str(json).map_err(|e| e.to_string())?;
        body.into_domain(&simm_core::builtin_model())
            .map_err(|e| e.message())
    }

    #[test]
    fn invitation_attributes_are_checked_and_canonicalised() {
        let sets =
            invitations(r#"{"count": 2, "attributes": {"role": "Partner", "unit": " IT "}}"#)
                .unwrap();
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0]["role"], "partner");
        assert_eq!(sets[0]["unit"], "IT");
        assert_eq!(
            invitations(r#"{"count": 1, "attributes": {"rol": "partner"}}"#).unwrap_err(),
            "attributes.rol: the model has no attribute \"rol\"; did you mean \"role\"?"
        );
        assert_eq!(
            invitations(r#"{"rows": [{"role": "manager"}, {"role": "manger"}]}"#).unwrap_err(),
            "rows[1].role: \"manger\" is not a value of \"role\"; expected one of executive, manager, employee, partner; did you mean \"manager\"?"
        );
        assert_eq!(
            invitations(r#"{"count": 0}"#).unwrap_err(),
            "count: must be 1 to 5000, not 0"
        );
        assert!(
            invitations(r#"{"rows": []}"#)
                .unwrap_err()
                .starts_with("rows: must hold")
        );
        assert!(
            invitations(r#"{}"#)
                .unwrap_err()
                .starts_with("count: is required")
        );
        let sets = invitations(r#"{"rows": [{"role": ""}, {}]}"#).unwrap();
        assert_eq!(sets, vec![Attributes::new(), Attributes::new()]);
    }

    #[test]
    fn organisation_names_are_trimmed_and_bounded() {
        let body = |name: &str| NewOrganizationBody {
            name: name.to_owned(),
            industry: Some("  ".into()),
            size: None,
            country: None,
        };
        let organization = body("  Acme ").into_domain().unwrap();
        assert_eq!(organization.name, "Acme");
        assert_eq!(organization.industry, None);
        assert_eq!(
            body(" ").into_domain().unwrap_err().message(),
            "name: must not be empty"
        );
        assert_eq!(
            body(&"x".repeat(201)).into_domain().unwrap_err().message(),
            "name: must be at most 200 characters, not 201"
        );
        assert!(body(&"é".repeat(200)).into_domain().is_ok());
        // Counted as sent, as the document's maxLength counts.
        assert_eq!(
            body(&format!(" {}", "x".repeat(200)))
                .into_domain()
                .unwrap_err()
                .message(),
            "name: must be at most 200 characters, not 201"
        );
    }
}
