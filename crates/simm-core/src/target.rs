//! An organisation's target: the stage it wants each area to reach, and
//! by when.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::calendar::CalendarDate;
use crate::domain::{AreaId, StageLevel};
use crate::model::Model;
use crate::suggest::{did_you_mean, quote_value};

/// A stage for every area of a model, in model order, and an optional
/// date. Built only by [`Target::parse`] or [`Target::default_for`], so
/// every area is the model's, once, at one of its stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    areas: Vec<(AreaId, StageLevel)>,
    date: Option<CalendarDate>,
}

/// Why a target was refused: the field (`areas.vision`, `date`) and what
/// is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TargetError {
    field: String,
    message: String,
}

impl TargetError {
    /// The field that is wrong, as the API's JSON names it.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Target {
    /// The target a user asked for: `areas` are (area id, stage) pairs as
    /// sent, `date` a YYYY-MM-DD text. Areas the user did not name get
    /// the default, the next stage after their `current` one (see
    /// [`Target::default_for`]), so a target always covers the model.
    /// The first problem found is reported.
    pub fn parse(
        model: &Model,
        areas: &[(&str, u8)],
        date: Option<&str>,
        current: &[(AreaId, StageLevel)],
    ) -> Result<Target, TargetError> {
        let top = model.top_stage();
        let mut chosen: Vec<Option<StageLevel>> = vec![None; model.areas().len()];
        for &(name, stage) in areas {
            // A key that is no identifier is quoted, so that no control
            // character or huge text lands in the field name.
            let field = match AreaId::parse(name) {
                Ok(_) => format!("areas.{name}"),
                Err(_) => format!("areas[{}]", quote_value(name)),
            };
            let fail = |message: String| TargetError {
                field: field.clone(),
                message,
            };
            let ids = || model.areas().iter().map(|area| area.id.as_str());
            let Some(position) = ids().position(|id| id == name) else {
                let known = match did_you_mean(name, ids()) {
                    Some(id) => format!("did you mean {id:?}?"),
                    None => format!("its areas are {}", ids().collect::<Vec<_>>().join(", ")),
                };
                return Err(fail(format!(
                    "the model has no area {}; {known}",
                    quote_value(name)
                )));
            };
            let Some(level) = StageLevel::new(stage).filter(|level| *level <= top) else {
                return Err(fail(format!(
                    "stage {stage} is not a stage of the model (it has stages 1 to {top})"
                )));
            };
            if chosen[position].replace(level).is_some() {
                return Err(fail("the area is named more than once".to_owned()));
            }
        }
        let date = date
            .map(CalendarDate::parse)
            .transpose()
            .map_err(|error| TargetError {
                field: "date".to_owned(),
                message: error.to_string(),
            })?;
        let default = Target::default_for(model, current);
        let areas = default
            .areas
            .into_iter()
            .zip(chosen)
            .map(|((id, next), chosen)| (id, chosen.unwrap_or(next)))
            .collect();
        Ok(Target { areas, date })
    }

    /// The default target: the next stage after each area's current one,
    /// and the top stage for an area already there; no date. An area
    /// missing from `current` (no results yet) counts as at stage 1.
    pub fn default_for(model: &Model, current: &[(AreaId, StageLevel)]) -> Target {
        let top = model.top_stage();
        let first = StageLevel::new(1).expect("1 is a stage level");
        let areas = model
            .areas()
            .iter()
            .map(|area| {
                let now = current
                    .iter()
                    .find(|(id, _)| id == &area.id)
                    .map_or(first, |&(_, stage)| stage);
                let next = if now >= top { top } else { now.next() };
                (area.id.clone(), next)
            })
            .collect();
        Target { areas, date: None }
    }

    /// Every area's target stage, in model order.
    pub fn areas(&self) -> &[(AreaId, StageLevel)] {
        &self.areas
    }

    pub fn date(&self) -> Option<CalendarDate> {
        self.date
    }

    pub fn stage_of(&self, area: &AreaId) -> Option<StageLevel> {
        self.areas
            .iter()
            .find(|(id, _)| id == area)
            .map(|&(_, stage)| stage)
    }
}

/// As the API's JSON has it: `{"areas": {"vision": 3, …}, "date":
/// "2027-12-31" or null}`, areas in model order.
impl Serialize for Target {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Areas<'a>(&'a [(AreaId, StageLevel)]);
        impl Serialize for Areas<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (id, stage) in self.0 {
                    map.serialize_entry(id, stage)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("areas", &Areas(&self.areas))?;
        map.serialize_entry("date", &self.date)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in model's areas at stages 1, 2, 4 and 2 (it has four
    /// stages).
    fn current(model: &Model) -> Vec<(AreaId, StageLevel)> {
        model
            .areas()
            .iter()
            .zip([1, 2, 4, 2, 3, 1, 1, 1])
            .map(|(area, stage)| (area.id.clone(), StageLevel::new(stage).unwrap()))
            .collect()
    }

    fn stages(target: &Target) -> Vec<(&str, u8)> {
        target
            .areas()
            .iter()
            .map(|(id, stage)| (id.as_str(), stage.get()))
            .collect()
    }

    fn check(areas: &[(&str, u8)], date: Option<&str>, expected: Result<(), &str>) {
        let model = crate::builtin_model();
        assert_eq!(
            Target::parse(&model, areas, date, &current(&model))
                .map(|_| ())
                .map_err(|error| error.to_string()),
            expected.map_err(str::to_owned),
            "{areas:?} {date:?}"
        );
    }

    #[test]
    fn a_target_names_the_field_that_is_wrong() {
        let model = crate::builtin_model();
        let first = model.areas()[0].id.as_str();
        assert_eq!(first, "vision");
        check(&[("vision", 3)], Some("2027-12-31"), Ok(()));
        check(
            &[("vison", 3)],
            None,
            Err("areas.vison: the model has no area \"vison\"; did you mean \"vision\"?"),
        );
        let ids: Vec<&str> = model.areas().iter().map(|a| a.id.as_str()).collect();
        check(
            &[("finance", 3)],
            None,
            Err(&format!(
                "areas.finance: the model has no area \"finance\"; its areas are {}",
                ids.join(", ")
            )),
        );
        check(
            &[("bad key\n", 3)],
            None,
            Err(&format!(
                "areas[\"bad key\\n\"]: the model has no area \"bad key\\n\"; its areas are {}",
                ids.join(", ")
            )),
        );
        check(
            &[("vision", 7)],
            None,
            Err("areas.vision: stage 7 is not a stage of the model (it has stages 1 to 4)"),
        );
        check(
            &[("vision", 0)],
            None,
            Err("areas.vision: stage 0 is not a stage of the model (it has stages 1 to 4)"),
        );
        check(
            &[("vision", 2), ("vision", 3)],
            None,
            Err("areas.vision: the area is named more than once"),
        );
        check(
            &[("vision", 2)],
            Some("2027-02-30"),
            Err("date: \"2027-02-30\" is not a date: February 2027 has 28 days"),
        );
        check(
            &[],
            Some("31/12/2027"),
            Err("date: \"31/12/2027\" is not a date: write it as YYYY-MM-DD, e.g. 2027-12-31"),
        );
    }

    #[test]
    fn unnamed_areas_default_to_their_next_stage_in_model_order() {
        let model = crate::builtin_model();
        let current = current(&model);
        let last = model.areas().last().unwrap().id.as_str();
        let target = Target::parse(
            &model,
            &[(last, 4), ("vision", 3)],
            Some("2027-12-31"),
            &current,
        )
        .unwrap();
        let default = Target::default_for(&model, &current);
        let mut expected = stages(&default);
        expected[0].1 = 3;
        expected.last_mut().unwrap().1 = 4;
        assert_eq!(stages(&target), expected);
        assert_eq!(target.date().unwrap().to_string(), "2027-12-31");
        assert_eq!(
            target.stage_of(&AreaId::parse("vision").unwrap()),
            StageLevel::new(3)
        );
        assert_eq!(target.stage_of(&AreaId::parse("finance").unwrap()), None);
    }

    #[test]
    fn the_default_is_the_next_stage_capped_at_the_top() {
        let model = crate::builtin_model();
        let current = current(&model);
        let default = Target::default_for(&model, &current);
        assert_eq!(default.date(), None);
        let expected: Vec<(&str, u8)> = current
            .iter()
            .map(|(id, stage)| (id.as_str(), (stage.get() + 1).min(4)))
            .collect();
        assert_eq!(stages(&default), expected);
        // With no results yet every area counts as at stage 1.
        let fresh = Target::default_for(&model, &[]);
        assert!(fresh.areas().iter().all(|(_, stage)| stage.get() == 2));
        assert_eq!(fresh.areas().len(), model.areas().len());
    }

    #[test]
    fn a_target_is_json_in_model_order() {
        let model = crate::builtin_model();
        let target = Target::parse(&model, &[], Some("2027-12-31"), &current(&model)).unwrap();
        let json = serde_json::to_string(&target).unwrap();
        let expected_areas: Vec<String> = target
            .areas()
            .iter()
            .map(|(id, stage)| format!("\"{id}\":{stage}"))
            .collect();
        assert_eq!(
            json,
            format!(
                "{{\"areas\":{{{}}},\"date\":\"2027-12-31\"}}",
                expected_areas.join(",")
            )
        );
    }
}
