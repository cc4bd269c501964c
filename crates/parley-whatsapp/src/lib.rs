//! # parley-whatsapp
//!
//! The WhatsApp Business Cloud API contract as Parley sees it, with no knowledge of
//! tickets or databases:
//!
//! * [`signature`] — `X-Hub-Signature-256` signing and constant-time verification over the
//!   *raw* request bytes (Meta signs its own escaped encoding, so re-serialised JSON never
//!   verifies).
//! * [`webhook`] — tolerant parsing of webhook notifications into a flat list of
//!   [`webhook::WebhookEvent`]s. Only non-JSON / non-object bodies are rejected; every odd
//!   message still produces an event so nothing is dropped silently.
//! * [`send`] — outbound message model, Meta's documented limits ([`send::OutboundMessage::validate`])
//!   and the exact request body ([`send::OutboundMessage::to_json`]).
//! * [`templates`] — message templates as Meta lists them, their parameters, the `components`
//!   a send needs and the parameter check Meta applies.
//! * [`client`] — an async Graph API client (send, mark-read, media, templates) with error
//!   classification ([`client::classify`]) that drives retry decisions.
//! * [`fake`] — a real HTTP fake of the Graph API (validation, failure injection, rate
//!   limiting, signed status webhooks) for tests and `parley demo`.
//! * [`simulate`] — builders for Meta-shaped inbound notifications.

pub mod client;
pub mod fake;
pub mod send;
pub mod signature;
pub mod simulate;
pub mod templates;
pub mod webhook;

pub use client::{
    ErrorClass, GraphClient, GraphConfig, GraphError, MediaInfo, SendResponse, TemplateListing,
    classify,
};
pub use send::{
    ListRow, ListSection, MediaKind, MediaSource, OutboundContent, OutboundMessage, ReplyButton,
    ValidationError,
};
pub use signature::SignatureError;
pub use templates::{MessageTemplate, TemplateParam, TemplateStatusUpdate};
pub use webhook::{
    DeliveryStatus, ErrorDetail, InboundEvent, InboundMessage, Media, MessageContent, Notification,
    PayloadError, StatusEvent, StatusUpdate, ValueErrorEvent, WebhookEvent, parse_notification,
};
