//! Reports end to end: a server started over a day of known history (see
//! `harness::seed_report_history`, figures worked out there) on a fake
//! clock answers the quality table, its groups and days, the CSV export,
//! the volume heatmap and the backlog; a live webhook moves the backlog;
//! agents are refused; bad parameters get 400s that say what is wrong.

mod harness;

use harness::{Harness, REPORT_NOW};
use parley_core::clock::{Clock, FakeClock};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn metric<'a>(row: &'a Value, name: &str) -> &'a Value {
    row["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no {name} in {row:#}"))
}

fn close(v: &Value, x: f64) -> bool {
    v.as_f64().is_some_and(|v| (v - x).abs() < 1e-6)
}

#[tokio::test]
async fn reports_show_the_seeded_figures_as_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    harness::seed_report_history(dir.path()).await;
    let clock = Arc::new(FakeClock::new(REPORT_NOW));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut h = Harness::start_in(dir, |_| {}, Some(dyn_clock)).await;
    let admin = h.admin_token.clone();

    let (s, r) = h
        .get(
            &admin,
            "/reports/quality?from=2026-03-02&to=2026-03-02&tz=UTC&period=day",
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["from"], 1_772_409_600_000i64);
    assert_eq!(r["to"], 1_772_409_600_000i64 + 86_400_000);
    let all = &r["total"];
    let fr = metric(all, "first_response_sla");
    assert_eq!(
        (fr["numerator"].as_i64(), fr["denominator"].as_i64()),
        (Some(3), Some(5))
    );
    assert!(close(&fr["value"], 60.0));
    assert_eq!(fr["rating"], "red");
    assert_eq!(fr["band"], "action");
    assert_eq!(fr["thresholds"]["target"], 95.0);
    assert_eq!(fr["unit"], "percent");
    assert_eq!(metric(all, "resolution_sla")["rating"], "green");
    let fcr = metric(all, "first_contact_resolution");
    assert_eq!(
        (fcr["numerator"].as_i64(), fcr["denominator"].as_i64()),
        (Some(2), Some(3))
    );
    assert_eq!(fcr["rating"], "amber");
    let defl = metric(all, "bot_deflection");
    assert!(close(&defl["value"], 50.0));
    assert_eq!(defl["rating"], "amber");
    let avg = metric(all, "avg_resolution_time");
    assert_eq!(avg["unit"], "ms");
    assert!(close(&avg["value"], 15_600_000.0 / 3.0));
    assert_eq!(avg["band"], "warning");
    assert_eq!(metric(all, "csat_score")["rating"], "red");
    let rr = metric(all, "csat_response_rate");
    assert_eq!(
        (rr["numerator"].as_i64(), rr["denominator"].as_i64()),
        (Some(2), Some(4))
    );
    assert_eq!(metric(all, "first_response_median")["value"], 600_000.0);
    assert!(metric(all, "first_response_p90")["rating"].is_null());
    assert_eq!(r["definitions"].as_array().unwrap().len(), 9);
    let series = r["series"].as_array().unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["label"], "2026-03-02");
    assert_eq!(metric(&series[0], "first_response_sla")["denominator"], 5);

    let (s, r) = h
        .get(
            &admin,
            "/reports/quality?from=1772409600000&to=1772496000000&group_by=agent",
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let labels: Vec<&str> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Ann", "Ben", "Unassigned"]);
    let ann = &r["groups"][0];
    assert_eq!(metric(ann, "first_response_sla")["numerator"], 2);
    assert!(metric(ann, "bot_deflection")["value"].is_null());

    // The CSV: both spellings, an attachment, one line per group and metric.
    for path in [
        "/reports/quality.csv?from=2026-03-02&to=2026-03-02&group_by=label&tz=UTC",
        "/reports/quality?from=2026-03-02&to=2026-03-02&group_by=label&tz=UTC&format=csv",
    ] {
        let res = h
            .http
            .get(format!("{}/api/v1{path}", h.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let headers = res.headers().clone();
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=\"parley-quality-2026-03-02-2026-03-02.csv\""
        );
        let body = res.text().await.unwrap();
        let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines[0],
            "period_start,period,group_key,group,metric,label,unit,value,numerator,denominator,target,band,rating"
        );
        // All, billing, refund, no label: 4 rows of 9 metrics.
        assert_eq!(lines.len(), 1 + 4 * 9, "{body}");
        assert!(lines.contains(
            &"1772409600000,all,,All,first_response_sla,First-response SLA,percent,60.00,3,5,95.00,action,red"
        ), "{body}");
        assert!(lines.contains(
            &"1772409600000,all,billing,billing,first_response_sla,First-response SLA,percent,50.00,1,2,95.00,action,red"
        ), "{body}");
        assert!(lines.contains(
            &"1772409600000,all,,All,avg_resolution_time,Average resolution time,ms,5200000,15600000,3,1800000,warning,amber"
        ), "{body}");
    }

    // Volume: Monday's customer messages, by hour.
    let (s, v) = h
        .get(
            &admin,
            "/reports/volume?from=2026-03-02&to=2026-03-02&tz=UTC",
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 9);
    assert_eq!(v["cells"][0][9], 3);
    assert_eq!(v["peak"], serde_json::json!([0, 9, 3]));

    // Backlog now: t4 and t6; a new customer makes three.
    let (s, b) = h.get(&admin, "/reports/backlog").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["total"].as_i64(), b["breached"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(b["at"], REPORT_NOW);
    // The backlog over Monday, replayed from the audit trail: t1-t6
    // created; t1, t3 (twice: it was reopened) and t2 resolved by people,
    // t5 by the bot; t4 and t6 open at midnight.
    let (s, b) = h
        .get(
            &admin,
            "/reports/backlog?from=2026-03-02&to=2026-03-03&tz=UTC",
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["period"].as_str(), b["open_at_start"].as_i64()),
        (Some("day"), Some(0))
    );
    let day = &b["series"][0];
    assert_eq!(day["label"], "2026-03-02");
    assert_eq!(
        [
            &day["created"],
            &day["resolved_by_people"],
            &day["resolved_by_bot"],
            &day["reopened"],
            &day["closed_unresolved"],
            &day["open_at_end"]
        ],
        [
            &json!(6),
            &json!(4),
            &json!(1),
            &json!(1),
            &json!(0),
            &json!(2)
        ]
    );
    assert_eq!(b["series"][1]["open_at_end"], 2);
    let res = h
        .http
        .get(format!(
            "{}/api/v1/reports/backlog?from=2026-03-02&to=2026-03-02&tz=UTC&format=csv",
            h.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.ends_with("1772409600000,1772496000000,2026-03-02,6,4,1,0,1,2\r\n"),
        "{text}"
    );
    let (s, e) = h.get(&admin, "/reports/backlog?period=month").await;
    assert_eq!(s, 400, "{e}");
    // Grouped and per day: each agent's figures per day, in the table's order.
    let (s, g) = h
        .get(
            &admin,
            "/reports/quality?from=2026-03-02&to=2026-03-02&tz=UTC&period=day&group_by=agent",
        )
        .await;
    assert_eq!(s, 200, "{g}");
    let gs = g["group_series"].as_array().unwrap();
    let names: Vec<&str> = gs.iter().map(|x| x["label"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ann", "Ben", "Unassigned"]);
    // first_response_sla is the second definition: Ann met 2 of 3.
    assert_eq!(g["definitions"][1]["metric"], "first_response_sla");
    assert_eq!(gs[0]["points"][0]["denominators"][1], 3);
    assert!(close(&gs[0]["points"][0]["values"][1], 200.0 / 3.0));
    assert_eq!(gs[0]["points"][0]["ratings"][1], "red");
    h.customer_text("4930099", "Hi, where is my parcel?").await;
    harness::eventually(
        Duration::from_secs(10),
        "the new ticket in the backlog",
        || {
            let h = &h;
            let admin = admin.clone();
            async move {
                let (_, b) = h.get(&admin, "/reports/backlog").await;
                (b["total"] == 3).then_some(())
            }
        },
    )
    .await;

    // Agents are refused, every endpoint.
    for path in [
        "/reports/quality",
        "/reports/quality.csv",
        "/reports/volume",
        "/reports/backlog",
    ] {
        let (s, e) = h.get(&h.agent_token, path).await;
        assert_eq!(s, 403, "{path}: {e}");
        assert_eq!(e["error"]["code"], "forbidden");
    }

    // Bad parameters say what is wrong.
    for (query, words) in [
        (
            "group_by=colour",
            "group_by must be none, agent, team, priority or label",
        ),
        ("from=yesterday", "from must be Unix milliseconds or a date"),
        ("from=2026-03-05&to=2026-03-01", "from must be before to"),
        ("period=month", "period must be day or week"),
        ("tz=Mars/Olympus", "unknown time zone"),
        ("format=xml", "format must be json or csv"),
        ("from=0&to=1772409600000", "at most 400 days"),
        ("to=2026-02-30", "to must be Unix milliseconds or a date"),
    ] {
        let (s, e) = h.get(&admin, &format!("/reports/quality?{query}")).await;
        assert_eq!(s, 400, "{query}: {e}");
        let msg = e["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(words), "{query}: {msg}");
    }
    let (s, _) = h.get(&admin, "/reports/volume?tz=Nowhere").await;
    assert_eq!(s, 400);

    // The OpenAPI document lists the endpoints under "reports".
    let doc: Value = h
        .http
        .get(format!("{}/api/v1/openapi.json", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in [
        "/reports/quality",
        "/reports/quality.csv",
        "/reports/volume",
        "/reports/backlog",
    ] {
        assert_eq!(doc["paths"][p]["get"]["tags"][0], "reports", "{p}");
    }
    h.stop().await;
}
