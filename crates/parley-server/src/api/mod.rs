//! The `/api/v1` REST API, its OpenAPI document, and the router that puts
//! the API, the webhook, the web inbox and the operational endpoints together.

pub mod agents;
pub mod bot;
pub mod canned;
pub mod contacts;
pub mod csat;
pub mod kb;
pub mod notes;
pub mod presence;
pub mod reports;
pub mod routing;
pub mod search;
pub mod templates;
pub mod tickets;

use crate::{AppState, auth, events, media, metrics, web, webhook};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_scalar::{Scalar, Servable};

#[derive(OpenApi)]
#[openapi(
    info(title = "Parley API", description = "Parley's REST API: tickets, messages, contacts, agents. \
        Every call needs `Authorization: Bearer <token>` (from POST /auth/login or an admin-created API token). \
        Errors are `{\"error\":{\"code\",\"message\"}}`. Times are Unix milliseconds."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "tickets"), (name = "contacts"), (name = "agents"), (name = "routing"), (name = "canned"), (name = "templates"), (name = "csat"), (name = "bot"), (name = "reports"), (name = "media"), (name = "events"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and the OpenAPI document built from the same handlers, so
/// the document cannot drift from what is served.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::create_token))
        .routes(routes!(tickets::list))
        .routes(routes!(tickets::counts))
        .routes(routes!(search::search))
        .routes(routes!(tickets::get_one, tickets::update))
        .routes(routes!(tickets::messages, tickets::reply))
        .routes(routes!(notes::add_note))
        .routes(routes!(notes::list))
        .routes(routes!(notes::read))
        .routes(routes!(presence::beat, presence::get))
        .routes(routes!(canned::list, canned::create))
        .routes(routes!(canned::update, canned::delete))
        .routes(routes!(canned::fill))
        .routes(routes!(templates::list))
        .routes(routes!(templates::sync))
        .routes(routes!(tickets::audit))
        .routes(routes!(tickets::retry))
        .routes(routes!(contacts::list))
        .routes(routes!(contacts::get_one, contacts::update))
        .routes(routes!(agents::list, agents::create))
        .routes(routes!(agents::update))
        .routes(routes!(agents::my_availability))
        .routes(routes!(agents::list_teams, agents::create_team))
        .routes(routes!(agents::set_members))
        .routes(routes!(routing::get_desk, routing::put_desk))
        .routes(routes!(routing::check_desk))
        .routes(routes!(routing::try_rules))
        .routes(routes!(routing::queues))
        .routes(routes!(routing::escalate))
        .routes(routes!(routing::transfer))
        .routes(routes!(csat::summary))
        .routes(routes!(csat::send_now))
        .routes(routes!(csat::get_settings, csat::put_settings))
        .routes(routes!(kb::get_kb))
        .routes(routes!(kb::create_intent))
        .routes(routes!(kb::update_intent, kb::delete_intent))
        .routes(routes!(kb::try_kb))
        .routes(routes!(bot::status))
        .routes(routes!(bot::deflection))
        .routes(routes!(bot::session))
        .routes(routes!(reports::quality))
        .routes(routes!(reports::quality_csv))
        .routes(routes!(reports::volume))
        .routes(routes!(reports::backlog))
        .routes(routes!(media::upload))
        .routes(routes!(media::serve))
        .routes(routes!(events::stream))
        .split_for_parts()
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api();
    let doc_json = serde_json::to_string(&doc).expect("OpenAPI document serialises");
    let api = api
        .route(
            "/openapi.json",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    doc_json.clone(),
                )
            }),
        )
        .merge(Scalar::with_url("/docs", doc))
        .fallback(|| async { crate::error::ApiError::not_found("no such API endpoint") })
        .layer(DefaultBodyLimit::max(media::MAX_UPLOAD));

    let webhook_limit = state.config.webhook_body_limit;
    let mut app = Router::new()
        .nest("/api/v1", api)
        .route(
            "/webhooks/whatsapp",
            get(webhook::verify)
                .post(webhook::receive)
                .layer(DefaultBodyLimit::max(webhook_limit)),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::handler))
        .route("/", get(web::index))
        .route("/{*path}", get(web::file));
    if state.config.bench_ceiling {
        app = app.route(
            "/bench/ceiling",
            axum::routing::post(webhook::receive_ceiling)
                .layer(DefaultBodyLimit::max(webhook_limit)),
        );
    }
    if state.config.demo.is_some() {
        app = app.merge(crate::demo::router());
        app = app.merge(crate::demo_shop::router(Default::default()));
    }
    // Spans carry the path only: query strings can hold secrets (the webhook
    // verification sends hub.verify_token in one).
    app.with_state(state).layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
        |req: &axum::http::Request<axum::body::Body>| {
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        },
    ))
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}
