//! Pooling for calibration: the released responses of a model version
//! over every assessment the privacy policy lets a calibration pool.
//! Nothing here returns a response's id, assessment or organisation: only
//! counts and answer cells.

use sqlx::Row;

use crate::records::parse_attributes;
use crate::{PooledAnswers, Result, Store, on_pool};

/// Responses read per query while pooling, so that memory while reading
/// stays bounded by the matrix being built rather than by the rows in
/// flight.
const POOL_PAGE: i64 = 1000;

/// An assessment of a model version that a calibration could pool: its
/// frozen anonymity minimum and how many responses it published. Which of
/// them are pooled is the privacy policy's decision
/// (`simm_core::Policy::pool`), not the store's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolCandidateRow {
    pub assessment_id: String,
    pub anonymity_min: Option<u32>,
    pub released: i64,
}

impl Store {
    /// The assessments of a model version with their published
    /// responses, for the privacy policy to decide which a calibration
    /// pools. Counts only, without reading any answer.
    pub async fn pool_candidates(&self, model_version_id: &str) -> Result<Vec<PoolCandidateRow>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT a.id, a.anonymity_min,
                   (SELECT COUNT(*) FROM responses r WHERE r.assessment_id = a.id) AS released
                 FROM assessments a WHERE a.model_version_id = $1 ORDER BY a.id",
            )
            .bind(model_version_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(PoolCandidateRow {
                        assessment_id: row.try_get("id")?,
                        anonymity_min: row
                            .try_get::<Option<i64>, _>("anonymity_min")?
                            .map(|v| v.clamp(0, i64::from(u32::MAX)) as u32),
                        released: row.try_get("released")?,
                    })
                })
                .collect()
        })
    }

    /// The answers of every released response of the assessments in
    /// `members` (of one model version), as one matrix with a column per
    /// model item (`items` columns, model order, as responses are stored)
    /// and a cell per answer: 0 for none, 1..=`points` for an answer. With
    /// `attribute`, each row's published value of that attribute comes
    /// along, for DIF. Which assessments are members is the privacy
    /// policy's decision.
    ///
    /// Rows are read in pages in id order, which is random, so the order of
    /// the matrix says nothing about the order of submission. A stored
    /// answer outside the scale cannot come from the respondent pages, which
    /// check it; should one exist, it counts as missing rather than being
    /// passed on to the calibration as a value the model does not have.
    pub async fn pooled_answers(
        &self,
        model_version_id: &str,
        members: &std::collections::HashSet<String>,
        items: usize,
        points: u8,
        attribute: Option<&str>,
    ) -> Result<PooledAnswers> {
        let mut matrix = simm_core::AnswerMatrix::with_capacity(items, 0);
        let mut attribute_values = Vec::new();
        let mut assessments = std::collections::HashSet::new();
        let mut after = String::new();
        let mut row_cells = vec![0u8; items];
        loop {
            let page = on_pool!(&self.pool, |pool| {
                let rows = sqlx::query(
                    "SELECT r.id, r.assessment_id, r.attributes, r.answers FROM responses r
                     JOIN assessments a ON a.id = r.assessment_id
                     WHERE a.model_version_id = $1 AND r.id > $2 ORDER BY r.id LIMIT $3",
                )
                .bind(model_version_id)
                .bind(&after)
                .bind(POOL_PAGE)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get::<String, _>("id")?,
                            row.try_get::<String, _>("assessment_id")?,
                            row.try_get::<String, _>("attributes")?,
                            row.try_get::<Vec<u8>, _>("answers")?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?
            });
            let Some((last, ..)) = page.last() else { break };
            after = last.clone();
            let full = page.len() as i64 == POOL_PAGE;
            for (id, assessment_id, attributes, answers) in page {
                if !members.contains(assessment_id.as_str()) {
                    continue;
                }
                for (index, cell) in row_cells.iter_mut().enumerate() {
                    *cell = answers
                        .get(index)
                        .copied()
                        .filter(|value| (1..=points).contains(value))
                        .unwrap_or(0);
                }
                matrix.push(&row_cells);
                if let Some(attribute) = attribute {
                    let mut values =
                        parse_attributes(&attributes, format_args!("responses row {id}"))?;
                    attribute_values.push(values.remove(attribute));
                }
                assessments.insert(assessment_id);
            }
            if !full {
                break;
            }
        }
        Ok(PooledAnswers {
            matrix,
            attribute_values,
            assessments: assessments.len(),
        })
    }
}
