//! Parley's domain: tickets and their lifecycle, priorities, delivery states,
//! roles, the 24-hour customer-service window and retry policy.
//!
//! Everything here is pure: no I/O, no global clock. Time comes in as Unix
//! milliseconds from a [`Clock`] the caller injects, so every rule can be
//! tested with a fake clock and every decision returns the reason it was made.

pub mod clock;
pub mod delivery;
pub mod desk;
pub mod escalation;
pub mod hours;
pub mod language;
pub mod lifecycle;
pub mod placeholders;
pub mod priority;
pub mod quality;
pub mod retry;
pub mod role;
pub mod routing;
pub mod sla;
pub mod triage;
pub mod window;

pub use clock::{Clock, FakeClock, SystemClock};
pub use delivery::DeliveryStatus;
pub use lifecycle::{TicketStatus, TransitionError};
pub use priority::Priority;
pub use role::Role;

/// An error for a value that does not name a known variant, shared by the
/// `FromStr` impls of the domain enums so API errors read the same everywhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {expected}")]
pub struct ParseEnumError {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// Implements `as_str`, `FromStr`, `Display` and serde for a fieldless enum
/// whose wire names are fixed strings.
macro_rules! wire_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::ParseEnumError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err($crate::ParseEnumError {
                        what: $what,
                        value: s.to_string(),
                        expected: concat!($($name, " "),+).trim_ascii_end(),
                    }),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use wire_enum;
