//! Account changes made through the API land in the audit trail with the caller as actor (the
//! admin's token and its user), by id only, and the chain stays intact; on both backends.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Backend, json, send};
use serde_json::{Value, json as j};
use vetted_core::audit::{Actor, AuditKey, action};
use vetted_store::AuditQuery;
use vetted_web::auth::Role;

const PASSWORD: &str = "correct horse battery";

fn with_token(method: &str, uri: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    match body {
        Some(body) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    }
}

async fn account_changes_through_the_api_are_audited_with_the_caller(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let app = vetted_web::router(state.clone());
    let admin = state
        .accounts
        .create_user("root@example.org", PASSWORD, Role::Admin, Actor::System)
        .await
        .unwrap();
    let (admin_token, secret) = state
        .accounts
        .create_token(&admin.id, "ops", None, Actor::System)
        .await
        .unwrap();
    let caller = Actor::Token {
        id: admin_token.id.clone(),
        user_id: admin.id.clone(),
    };
    let start = state
        .store
        .audit_entries(&AuditQuery::default())
        .await
        .unwrap()
        .len();

    let created = json(
        send(
            &app,
            with_token(
                "POST",
                "/api/v1/users",
                &secret,
                Some(j!({"email": "Grace@Example.org", "password": PASSWORD, "role": "viewer"})),
            ),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let user_id = created["id"].as_str().unwrap().to_string();
    json(
        send(
            &app,
            with_token(
                "PATCH",
                &format!("/api/v1/users/{user_id}"),
                &secret,
                Some(j!({"role": "editor", "disabled": true})),
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let token = json(
        send(
            &app,
            with_token(
                "POST",
                "/api/v1/tokens",
                &secret,
                Some(j!({"user_id": user_id, "name": "ci"})),
            ),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let token_id = token["id"].as_str().unwrap().to_string();
    let res = send(
        &app,
        with_token(
            "DELETE",
            &format!("/api/v1/tokens/{token_id}"),
            &secret,
            None,
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // A refused change (the address is taken) writes nothing.
    let res = send(
        &app,
        with_token(
            "POST",
            "/api/v1/users",
            &secret,
            Some(j!({"email": "grace@example.org", "password": PASSWORD, "role": "viewer"})),
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let entries = state
        .store
        .audit_entries(&AuditQuery::default())
        .await
        .unwrap();
    let new = &entries[start..];
    let summary: Vec<(&str, &str)> = new
        .iter()
        .map(|e| (e.action.as_str(), e.subject.as_deref().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            (action::USER_CREATE, user_id.as_str()),
            (action::USER_UPDATE, user_id.as_str()),
            (action::TOKEN_CREATE, token_id.as_str()),
            (action::TOKEN_REVOKE, token_id.as_str()),
        ]
    );
    for e in new {
        assert_eq!(e.actor, caller, "{e:?}");
    }
    assert_eq!(
        new[1].after,
        Some(j!({"id": user_id, "role": "editor", "disabled": true, "totp": false}))
    );
    assert_eq!(new[3].after.as_ref().unwrap()["revoked"], true);
    for e in &entries {
        let text = serde_json::to_string(e).unwrap().to_lowercase();
        assert!(!text.contains("example.org"), "an e-mail address in {text}");
        assert!(!text.contains(&secret.to_lowercase()), "a token in {text}");
    }
    let key = AuditKey::from_bytes(&[7; 32]).unwrap();
    assert!(state.store.verify_audit(&key, None).await.unwrap().is_ok());
    state.store.close().await;
}

on_both_backends!(account_changes_through_the_api_are_audited_with_the_caller);
