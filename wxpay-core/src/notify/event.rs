//! The envelope of a notification and the typed events inside it.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::NotifyError;
use super::resource::{PartnerTransaction, RefundNotification, Transaction};

/// The envelope fields every notification carries, kept as received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope {
    /// The notification's id (`EV-…`). The same notification may be
    /// delivered more than once with the same id; see
    /// [`Deduplicator`](super::Deduplicator).
    pub id: String,
    /// When the platform created the notification (RFC 3339).
    pub create_time: String,
    /// What happened, e.g. `TRANSACTION.SUCCESS`, `REFUND.CLOSED`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// A short text for people, e.g. `支付成功`.
    pub summary: Option<String>,
    /// `resource.original_type`: the kind of object encrypted
    /// (`transaction`, `refund`, …), when given.
    pub original_type: Option<String>,
    /// The `Request-ID` header of the delivery, when present (quote it to support).
    pub request_id: Option<String>,
}

/// A verified and decrypted notification whose resource is still JSON:
/// what [`Client::open_notification`](crate::Client::open_notification)
/// returns, for events this crate has no model for or to read a resource
/// your own way. [`decode`](Self::decode) types it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RawNotification {
    /// The envelope.
    pub envelope: Envelope,
    /// The decrypted resource.
    pub resource: serde_json::Value,
}

/// A verified, decrypted and typed notification.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notification {
    /// The envelope: id, times, event type, summary.
    pub envelope: Envelope,
    /// What happened, with the decrypted resource.
    pub event: Event,
}

impl Notification {
    /// The notification id (`EV-…`), the key for de-duplication.
    pub fn id(&self) -> &str {
        &self.envelope.id
    }

    /// The event type, e.g. `TRANSACTION.SUCCESS`.
    pub fn event_type(&self) -> &str {
        &self.envelope.event_type
    }
}

/// What a notification reports.
///
/// Payment notifications (`TRANSACTION.SUCCESS`) are typed by the shape of
/// the decrypted resource, since direct merchants and service providers
/// receive the same event type with the same `original_type`
/// (`transaction`): a resource with `sp_mchid` is a service provider's
/// (`PartnerTransactionSuccess`); one
/// with `combine_mchid` (a combined payment, which this crate does not
/// model) is [`Other`](Self::Other); anything else is a direct merchant's
/// (`TransactionSuccess`). Refund notifications have one model for both
/// kinds of merchant. The models are the runtime's own
/// ([`resource`](super::resource)), so the typed variants are always there.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `TRANSACTION.SUCCESS` for a direct merchant's order.
    TransactionSuccess(Box<Transaction>),
    /// `TRANSACTION.SUCCESS` for an order a service provider placed for a
    /// sub-merchant.
    PartnerTransactionSuccess(Box<PartnerTransaction>),
    /// `REFUND.SUCCESS`: the money is back with the payer.
    RefundSuccess(RefundNotification),
    /// `REFUND.ABNORMAL`: the refund failed (e.g. the payer's card was
    /// cancelled); settle it with the abnormal-refund operation.
    RefundAbnormal(RefundNotification),
    /// `REFUND.CLOSED`: the refund was closed without paying out.
    RefundClosed(RefundNotification),
    /// Any other event, with its decrypted resource as JSON.
    Other {
        /// The event type, e.g. `PAPAY.SIGN`.
        event_type: String,
        /// The decrypted resource.
        resource: serde_json::Value,
    },
}

/// The envelope on the wire.
#[derive(Deserialize)]
pub(crate) struct WireEnvelope {
    pub(crate) id: String,
    pub(crate) create_time: String,
    pub(crate) event_type: String,
    pub(crate) resource_type: String,
    #[serde(default)]
    pub(crate) summary: Option<String>,
    pub(crate) resource: WireResource,
}

/// The encrypted resource on the wire.
#[derive(Deserialize)]
pub(crate) struct WireResource {
    pub(crate) algorithm: String,
    pub(crate) ciphertext: String,
    pub(crate) nonce: String,
    #[serde(default)]
    pub(crate) associated_data: Option<String>,
    #[serde(default)]
    pub(crate) original_type: Option<String>,
}

impl RawNotification {
    /// Types the resource by event type; see [`Event`]. Fails with
    /// [`NotifyError::Decode`] when a known event's resource does not fit
    /// its model (the notification itself stays usable through
    /// [`resource`](Self::resource) before calling this).
    pub fn decode(self) -> Result<Notification, NotifyError> {
        let RawNotification { envelope, resource } = self;
        let event_type = envelope.event_type.as_str();
        let event = match event_type {
            "TRANSACTION.SUCCESS" if resource.get("sp_mchid").is_some() => {
                Event::PartnerTransactionSuccess(Box::new(typed(
                    event_type,
                    "partner Transaction",
                    resource,
                )?))
            }
            "TRANSACTION.SUCCESS" if resource.get("combine_mchid").is_none() => {
                Event::TransactionSuccess(Box::new(typed(event_type, "Transaction", resource)?))
            }
            "REFUND.SUCCESS" => {
                Event::RefundSuccess(typed(event_type, "RefundNotification", resource)?)
            }
            "REFUND.ABNORMAL" => {
                Event::RefundAbnormal(typed(event_type, "RefundNotification", resource)?)
            }
            "REFUND.CLOSED" => {
                Event::RefundClosed(typed(event_type, "RefundNotification", resource)?)
            }
            _ => Event::Other {
                event_type: envelope.event_type.clone(),
                resource,
            },
        };
        Ok(Notification { envelope, event })
    }
}

/// Decodes a resource, keeping only what failed, never the data.
fn typed<T: DeserializeOwned>(
    event_type: &str,
    model: &'static str,
    resource: serde_json::Value,
) -> Result<T, NotifyError> {
    serde_json::from_value(resource).map_err(|e| NotifyError::Decode {
        event_type: event_type.chars().take(64).collect(),
        model,
        reason: data_free_reason(&e.to_string()),
    })
}

/// What a serde error says, without the values it quotes: `missing field
/// `x`` is kept (a field name is not data); `invalid type: string "…",
/// expected i64` keeps only its kind and what was expected.
pub(crate) fn data_free_reason(message: &str) -> String {
    if message.starts_with("missing field `") {
        return message.chars().take(96).collect();
    }
    for kind in ["invalid type", "invalid value", "invalid length"] {
        if message.starts_with(kind) {
            return match message.rsplit_once(", expected ") {
                Some((_, expected)) => format!(
                    "{kind}, expected {}",
                    expected.chars().take(64).collect::<String>()
                ),
                None => kind.to_owned(),
            };
        }
    }
    if message.starts_with("unknown variant") {
        return "unknown variant".to_owned();
    }
    "the resource does not fit".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reasons_quote_no_data() {
        assert_eq!(
            data_free_reason("missing field `out_trade_no`"),
            "missing field `out_trade_no`"
        );
        assert_eq!(
            data_free_reason(r#"invalid type: string "6222 0000", expected i64"#),
            "invalid type, expected i64"
        );
        assert_eq!(
            data_free_reason("invalid value: integer `-5`, expected u8"),
            "invalid value, expected u8"
        );
        assert_eq!(
            data_free_reason("unknown variant `SECRET`, expected `A`"),
            "unknown variant"
        );
        assert_eq!(
            data_free_reason("whatever SECRET"),
            "the resource does not fit"
        );
    }
}
