//! Deserialisation helpers that make request bodies mean what the OpenAPI
//! document says: an `integer` is any JSON number with no fractional part
//! (JSON Schema counts `4824.0` as one), and an optional field that the
//! document does not mark nullable may be left out but not sent as `null`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error, Unexpected, Visitor};

/// A whole number of type `T`, from any integral JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole<T>(pub T);

/// The integer types a [`Whole`] can hold, with their range for messages.
pub trait WholeType: TryFrom<i128> {
    const MIN: i128;
    const MAX: i128;
}

macro_rules! whole_type {
    ($($t:ty),*) => {$(
        impl WholeType for $t {
            const MIN: i128 = <$t>::MIN as i128;
            const MAX: i128 = <$t>::MAX as i128;
        }
    )*};
}
whole_type!(u8, u16, u32, u64, i32, i64);

impl<'de, T: WholeType> Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WholeVisitor(PhantomData))
    }
}

struct WholeVisitor<T>(PhantomData<T>);

impl<T: WholeType> WholeVisitor<T> {
    fn fit<E: Error>(&self, n: i128, unexpected: Unexpected) -> Result<Whole<T>, E> {
        T::try_from(n)
            .map(Whole)
            .map_err(|_| E::invalid_value(unexpected, self))
    }
}

impl<T: WholeType> Visitor<'_> for WholeVisitor<T> {
    type Value = Whole<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "a whole number from {} to {}", T::MIN, T::MAX)
    }

    fn visit_u64<E: Error>(self, n: u64) -> Result<Self::Value, E> {
        self.fit(i128::from(n), Unexpected::Unsigned(n))
    }

    fn visit_i64<E: Error>(self, n: i64) -> Result<Self::Value, E> {
        self.fit(i128::from(n), Unexpected::Signed(n))
    }

    fn visit_f64<E: Error>(self, n: f64) -> Result<Self::Value, E> {
        if n.fract() != 0.0 || !n.is_finite() {
            return Err(E::invalid_value(Unexpected::Float(n), &self));
        }
        // The cast saturates, so a huge value fails the range check of `T`.
        self.fit(n as i128, Unexpected::Float(n))
    }
}

/// For `#[serde(default, deserialize_with = "present")]` on an optional
/// field that is not nullable: absent is `None`, `null` is refused.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(D::Error::custom(
            "must not be null; leave the field out instead",
        )),
    }
}

/// For `#[serde(default, deserialize_with = "nullable")]` on a field of
/// a change: absent is `None` (left as it is), `null` is `Some(None)`
/// (cleared), a value `Some(Some(…))`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[serde(default, deserialize_with = "present")]
        count: Option<Whole<u32>>,
    }

    fn check(json: &str, expected: Result<Option<u32>, &str>) {
        let got = serde_json::from_str::<Body>(json)
            .map(|body| body.count.map(|Whole(n)| n))
            .map_err(|error| error.to_string());
        match (&got, expected) {
            (Ok(n), Ok(m)) if *n == m => {}
            (Err(message), Err(part)) if message.contains(part) => {}
            _ => panic!("{json}: expected {expected:?}, got {got:?}"),
        }
    }

    #[test]
    fn integral_numbers_are_whole_and_null_is_refused() {
        check(r#"{"count": 4824}"#, Ok(Some(4824)));
        check(r#"{"count": 4824.0}"#, Ok(Some(4824)));
        check(r#"{"count": 4.824e3}"#, Ok(Some(4824)));
        check(r#"{}"#, Ok(None));
        check(
            r#"{"count": 4824.5}"#,
            Err(
                "invalid value: floating point `4824.5`, expected a whole number from 0 to 4294967295",
            ),
        );
        check(r#"{"count": -1}"#, Err("invalid value: integer `-1`"));
        check(
            r#"{"count": -1.0}"#,
            Err("invalid value: floating point `-1.0`"),
        );
        check(r#"{"count": 1e300}"#, Err("expected a whole number"));
        check(
            r#"{"count": 4294967296}"#,
            Err("invalid value: integer `4294967296`"),
        );
        check(r#"{"count": "3"}"#, Err("invalid type: string \"3\""));
        check(
            r#"{"count": null}"#,
            Err("must not be null; leave the field out instead"),
        );
    }
}
