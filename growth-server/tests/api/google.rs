//! Google sign-in: ID tokens signed in the test with a fixed RSA key whose public half a local
//! JWKS (wiremock) publishes, as Google's `oauth2/v3/certs` does. Nothing reaches the internet.

use growth_core::domain::{AuthProvider, NewUser, Role};
use growth_server::config::GoogleSettings;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{TestApp, spawn_app_with};

/// The key Google "publishes" (test only; generated with `openssl genpkey -algorithm RSA`).
const KEY_A_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCcYgjemS/ygEhb\n\
pQMDVnVgvic19bE4uCgD5GHAO8nR++ZxDR3rThwm7J1qwcdwGI8k1pdeMQ+NuHPD\n\
zD7DPqkyNrLziE8peI/MqlQT0yfo6ZgpAuUi7p7/wFga3MIdnF2nMNXynu0FOpUd\n\
uaFUwEwO8wgBmGFKQwtOfXrSGYzVwxKOPRzGkS/M14RswCgRh3lff3m2I0FK0Sd6\n\
cOWKIomlANKy0cdRPKUtMrEiivXxVCTCjsDAaI0CE853wePkIkDfR0veJZMLWlv/\n\
HS83yBWiccdu/P3yZz5EeZLd5Cd7jv8hgFYzafQPV3/I0ropMr2Vd/uOfr9/kOxo\n\
FDjKsgoHAgMBAAECggEAQYkB74sh4U3qROGnnBf487RsiTvv63Wda1gjsOQ9ZS7b\n\
+SeGkMw4lwVUyN7xXeQk5Mq7P4Fu47TXasfmy3qwfDcZEl7e0eHQ3XPJ7U7xrDVs\n\
i09HyDZY0pQAOC2oebFEPCMGnfkFGkpdIEphNjuqBB/MDKMXrn/fNqL2PCLx9shz\n\
gFmSStZZwvAz/wbNDh/tcNU5vtQ6QS7jtYCEM+d+k0nzgEIXV1QvJDHlrumv1fHQ\n\
gLFuYpKkmwOKmi45j0e4k7+/rgZBjpUkdD8YUgIfm9hPzOkcO4ImThl4dooBdYc4\n\
XbbnBkt2MZgv+ITmSOONVHcQkyawoAlgL9/v2Y7oTQKBgQDYZO0D5EJf2di3WsNy\n\
BKj0IaLGoEd3wWfNVGe7tMFVIUq7gzVHFVuQvU+u5GU0oeABklyH4ble/cRPzSlB\n\
Xgl9YLmQN640wlxGGwVoJvZ9DRjOUPBY5K4lbkX7uc2dweoEHURVb8rJXeAYV5cB\n\
q0gjNuau1JdXzmvrN45CSiSwzQKBgQC5AU0giZogRXNHRwHxtffyqO6rgb3RrfoZ\n\
0xNgoOP/1DCLTBm5gO4LuRI53kt/qkXLFu/B1Gq0gobILhYV61XjZDpOEY6pOUs8\n\
cbaBoueRyeCi1GULgXD0CNv4o8wLKHFnMFSCugtfAx2sdWo+hbN50LJHCJvpIxAK\n\
EyyxQW1WIwKBgHWwNkOGkh7FQRs/bsqFBEp6PKggJZ5Y/pZqkFxDC168U4O18XTu\n\
hbUrcLnil7RPUaApNM/mEMY759eq8gQOG8UnpORtk/43sq2iJoeloSsTw2j6Fi2S\n\
ea/70G3+eHiTLS39qNt6iGSJ/MXgZU1QFVSpmD5/eqwTpRfxSBp/boMFAoGAHFsr\n\
tCoDGqEqeylSDfdDKslj05vOOV4+MEke9jeS2rpuOluOsdUmJ1vVhFMjJU0251r7\n\
oqzpMgOznukZb4CjqHfLS/367MsgUgJn49TRQ5I6wRpm5m2Pn4fgF2sbsjYfs54/\n\
xc24QnbazH0urKiXirtHKAYUx5YdNj4cIosRtBsCgYEArnMv9jZ7sz/KqerJrZUg\n\
eArBqY8ExIfy17QauMI3sb7o3pkmLsDqZFSqGw0Fw2bBXExFYI3qwfBT9zwTpNmB\n\
Y+OuxEw4JxXn+HZQR7Bos9YZcL476cLciqgWAAZJJ//1NmJqNexnmWKgk1mF9S46\n\
gfvu/9zbbAVKGdhh/H1/lxA=\n\
-----END PRIVATE KEY-----";
/// `n` of `KEY_A_PEM`, base64url (its `e` is 65537, `AQAB`).
const KEY_A_N: &str = "nGII3pkv8oBIW6UDA1Z1YL4nNfWxOLgoA-RhwDvJ0fvmcQ0d604cJuydasHHcBiPJNaXXjEPjbhzw8w-wz6pMjay84hPKXiPzKpUE9Mn6OmYKQLlIu6e_8BYGtzCHZxdpzDV8p7tBTqVHbmhVMBMDvMIAZhhSkMLTn160hmM1cMSjj0cxpEvzNeEbMAoEYd5X395tiNBStEnenDliiKJpQDSstHHUTylLTKxIor18VQkwo7AwGiNAhPOd8Hj5CJA30dL3iWTC1pb_x0vN8gVonHHbvz98mc-RHmS3eQne47_IYBWM2n0D1d_yNK6KTK9lXf7jn6_f5DsaBQ4yrIKBw";
/// A key nobody publishes: its signatures must not verify.
const KEY_B_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDAPYsCyOlLhF6a\n\
/wJeAbri510/NQFCdLewA1KHniAZ4KRk/RkJJzZCeQM9WcQ5fAWb64c/5SZkEmVx\n\
l6K449ugmo6jmwvFSgaSqM7w4AO89hrv+GQH8vSOplONPArjujmtKCbCEUN17vzU\n\
b09UdMR0JcQdQaDnSwvBUG0sDhICjCdP0x+g+7v4lo4cMDsCz9bAIqv0CzHmfvex\n\
BOMOFkpLudeljLkTIfB/qpdefAefZT+VUS6/UhDeUu41qNVq3XcC9cLolNZ0/sSx\n\
qk3pt2XESHZC0MZzX5kbPxvn3d6BaBFi/ibKpTVEaCcV4BjcdPMnpe3rGgTRM5jS\n\
wcVkxr6XAgMBAAECggEAHRExKQVNQSiNUCJULqKpqhARqVz6XnIHfuBXD5Uj2sXS\n\
FZ2vYL2XwV/1fXFKmjvbx+z0+6mfrxdDqh6jcWatRBDFQIz7r/kMGrYrlCr1uxH7\n\
QLhDZ8WfSh0cGl7ZxqqBzgzOz3PiH2g4vRDs4yLvZsskZsgQQZNh/k41iP5s+rVd\n\
+qZf5hSZ1T7rgeHlM9VwfZJPF19Fg8QZmXK80A4eg1Fll9EGkXXZRD6boWa5UXoi\n\
BwXEY/61eInjGCTCIUWdStL8QmDsY40jJAJ84+0mcsqAnSrssdFYKTxEgzKjrc+7\n\
vkH2rq7cktQo52cTakytRF+gXi22N3QXh//tzGWiAQKBgQDf/l6s8y/7Q+9S3+g1\n\
T/fwr6QKUF7MXU3E0jdkxb9LohTGXL+4XaOZxe7Y/rext/61VuXQEgNDv3gjLOBK\n\
zGehF9F1IZ1MgkQaiIS3+0FebKX25rpposFPYEB4KK76G9R33NZkFg2KIxC7JP4o\n\
6e2q9ZzAXVHd09ivtk3QTCp9/wKBgQDbtaXqOlsMgdxlYE9HjGcUsedLabWSGVcE\n\
6g7HPDVGaQbwQQ1ATN8PgbpeeikNobsvjZSvcOEFAsN7nnzotNtH2naDyYUSydZS\n\
6iwtDRCg1WfaGRo9wp16pT+X6UwzMl7+2JvInQa0uznFVrRTzeA7WsMP2XldawoO\n\
9uvQ9EjvaQKBgQDTAYPcdsanc4q6zlSoDCosILluQeHbsLV3CPTHyIT5UbkyV+L/\n\
Ya6hSFVFM0aGcybNWwvoo19R7cfVkwvDSqUAmzhkmALfNQPE3v/vdRBSTBVX7miC\n\
5KAoDysMRn72+0p+k5me9StSCtBTC3klv6B1YSSGDiL1zgAdHqZU57tLrwKBgQDV\n\
FqYmOBbaWJCzWedKU2gecDUNtSa+3gjB4WgX39MjyPVLyyvY8zVcSsvAmeZ7LCLq\n\
Cfzs8yOqwnVpzdsDr3UFiWJsiuSfxlYx8KCLySIZeyDQLIyA3eHyc5br9P9MoEv2\n\
C4t71KAOZY+wT1lx9jjGGE8bbicBbbFBtkYcUPD0EQKBgE2nz/3kLevzgu2dNh66\n\
V4uP9qkEoYv27dKx/XcnPwAmwXouffcUyS7s4VVdKFoV4rY3zlzhq78yoqmWqMnm\n\
LmOpXdJ6iTpChQvzgYUyNgGHAA7xD4DGxACvBvg3ny8Pej5ltbn+F0+U9XRRBZci\n\
FrymEEXqn3CUrhX+GHkVD0hl\n\
-----END PRIVATE KEY-----";

const CLIENT_ID: &str = "growth-test.apps.googleusercontent.com";
const JWKS_PATH: &str = "/oauth2/v3/certs";

/// A JWKS endpoint publishing `KEY_A` as `kid-a`, expected to be fetched exactly `fetches` times.
async fn google(fetches: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(JWKS_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "public, max-age=22385, must-revalidate, no-transform")
                .set_body_json(json!({"keys": [
                    {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "kid-a", "n": KEY_A_N, "e": "AQAB"},
                    {"kty": "oct", "kid": "kid-hmac", "k": "c2VjcmV0"}
                ]})),
        )
        .expect(fetches)
        .mount(&server)
        .await;
    server
}

async fn app(google: &MockServer) -> TestApp {
    let jwks_url = format!("{}{JWKS_PATH}", google.uri());
    spawn_app_with(move |s| {
        s.auth.jwt_secret = Some("test-secret-test-secret-test-secret!".into());
        s.auth.admin_emails = vec!["Boss@ProductLed.com".into()];
        s.auth.google = Some(GoogleSettings {
            client_ids: vec!["another-client".into(), CLIENT_ID.into()],
            jwks_url,
            allowed_domains: vec!["productled.com".into(), "Partner.io".into()],
        });
    })
    .await
}

fn claims(email: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": "https://accounts.google.com", "aud": CLIENT_ID, "azp": CLIENT_ID, "sub": "110169484474386276334",
        "email": email, "email_verified": true, "name": "Wes Bush", "iat": now, "exp": now + 3600
    })
}

fn sign_with(claims: &Value, kid: &str, pem: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()).unwrap()
}

fn sign(claims: &Value) -> String {
    sign_with(claims, "kid-a", KEY_A_PEM)
}

async fn login(app: &TestApp, email: &str, id_token: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/auth/login", app.address))
        .json(&json!({"email": email, "provider": "google", "id_token": id_token}))
        .send()
        .await
        .unwrap()
}

async fn existing(app: &TestApp, email: &str, role: Role) -> growth_core::domain::User {
    let new = NewUser { email: email.into(), full_name: None, role, auth_provider: AuthProvider::Google };
    app.state.users.create_user(new).await.unwrap()
}

async fn detail(r: reqwest::Response) -> String {
    r.json::<Value>().await.unwrap()["detail"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_valid_id_token_signs_in_with_the_prd_shape_and_the_keys_are_fetched_once() {
    let google = google(1).await;
    let app = app(&google).await;
    let u = existing(&app, "wes@productled.com", Role::Approver).await;
    for _ in 0..2 {
        let r = login(&app, "Wes@ProductLed.com", &sign(&claims("wes@productled.com"))).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["user"]["id"], json!(u.id));
        assert_eq!(body["user"]["email"], "wes@productled.com");
        assert_eq!(body["user"]["role"], "approver");
        assert!(!body["refresh_token"].as_str().unwrap().is_empty());
        let me = app.client.get(format!("{}/me", app.address)).bearer_auth(body["access_token"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(me.status(), 200);
    }
    // Also the bare issuer Google uses.
    let mut c = claims("wes@productled.com");
    c["iss"] = json!("accounts.google.com");
    assert_eq!(login(&app, "wes@productled.com", &sign(&c)).await.status(), 200);
    // MockServer's drop checks `expect(1)`: three sign-ins, one fetch (max-age honoured).
}

#[tokio::test]
async fn tokens_that_are_forged_expired_or_for_someone_else_are_refused() {
    let google = google(1).await;
    let app = app(&google).await;
    existing(&app, "wes@productled.com", Role::Approver).await;
    let email = "wes@productled.com";
    let with = |key: &str, v: Value| {
        let mut c = claims(email);
        c[key] = v;
        c
    };
    let now = chrono::Utc::now().timestamp();
    let mut expired = claims(email);
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let hs256 = {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some("kid-hmac".into());
        jsonwebtoken::encode(&h, &claims(email), &EncodingKey::from_secret(b"secret")).unwrap()
    };
    let cases = [
        ("wrong audience", sign(&with("aud", json!("someone-elses-client"))), "another client"),
        ("wrong issuer", sign(&with("iss", json!("https://evil.example.com"))), "not issued by Google"),
        ("expired", sign(&expired), "expired"),
        ("bad signature", sign_with(&claims(email), "kid-a", KEY_B_PEM), "signature"),
        ("HS256", hs256, "RS256"),
        ("unverified email", sign(&with("email_verified", json!(false))), "not verified"),
        ("no email", sign(&with("email", Value::Null)), "no email"),
        ("not a JWT", "not-a-token".into(), "RS256"),
    ];
    for (what, token, why) in cases {
        let r = login(&app, email, &token).await;
        assert_eq!(r.status(), 401, "{what}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{what}");
        let d = detail(r).await;
        assert!(d.contains(why), "{what}: {d}");
    }
    let r = login(&app, "someone-else@productled.com", &sign(&claims(email))).await;
    assert_eq!(r.status(), 401, "the body's email must be the token's");
    assert!(detail(r).await.contains("does not match"));
}

#[tokio::test]
async fn an_unknown_key_id_refetches_the_keys_once_then_is_refused() {
    let google = google(2).await;
    let app = app(&google).await;
    existing(&app, "wes@productled.com", Role::Viewer).await;
    assert_eq!(login(&app, "wes@productled.com", &sign(&claims("wes@productled.com"))).await.status(), 200);
    // Fetch 2: Google may have rotated. Still unknown: 401, and the next one does not fetch again.
    for _ in 0..2 {
        let r = login(&app, "wes@productled.com", &sign_with(&claims("wes@productled.com"), "kid-rotated", KEY_B_PEM)).await;
        assert_eq!(r.status(), 401);
        assert!(detail(r).await.contains("signing key"));
    }
}

fn workspace_claims(email: &str, hd: &str) -> Value {
    let mut c = claims(email);
    c["hd"] = json!(hd);
    c
}

#[tokio::test]
async fn first_sign_ins_from_an_allowed_workspace_create_admins_and_viewers() {
    let google = google(1).await;
    let app = app(&google).await;
    let r = login(&app, "boss@productled.com", &sign(&workspace_claims("boss@productled.com", "productled.com"))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["user"]["role"], "admin");
    let r = login(&app, "ann@productled.com", &sign(&workspace_claims("ann@productled.com", "productled.com"))).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["user"]["role"].as_str(), body["user"]["full_name"].as_str()), (Some("viewer"), Some("Wes Bush")));
    let stored = app.state.users.find_user_by_email("ann@productled.com").await.unwrap().unwrap();
    assert_eq!(stored.auth_provider, AuthProvider::Google);
    // The Workspace domain is what counts, compared case-insensitively with the setting.
    assert_eq!(login(&app, "joe@partner-mail.com", &sign(&workspace_claims("joe@partner-mail.com", "partner.io"))).await.status(), 200);
}

#[tokio::test]
async fn sign_up_and_admin_bootstrap_need_the_hd_claim_of_an_allowed_domain() {
    let google = google(1).await;
    let app = app(&google).await;
    // A consumer Google account made for a company address carries no `hd`: the email's domain
    // proves nothing, for the admin email as for anyone.
    for email in ["boss@productled.com", "ann@productled.com"] {
        let r = login(&app, email, &sign(&claims(email))).await;
        assert_eq!(r.status(), 403, "{email}");
        assert!(detail(r).await.contains("invite"));
        assert!(app.state.users.find_user_by_email(email).await.unwrap().is_none(), "{email} was not created");
    }
    // A Workspace that is not allowed, even for the admin email.
    let r = login(&app, "boss@productled.com", &sign(&workspace_claims("boss@productled.com", "evil.example"))).await;
    assert_eq!(r.status(), 403);
    let r = login(&app, "eve@gmail.com", &sign(&claims("eve@gmail.com"))).await;
    assert_eq!(r.status(), 403);
    assert!(app.state.users.list_users().await.unwrap().is_empty(), "nobody was created");
    // An invited (existing) user signs in whatever their account's domain.
    existing(&app, "eve@gmail.com", Role::Viewer).await;
    assert_eq!(login(&app, "eve@gmail.com", &sign(&claims("eve@gmail.com"))).await.status(), 200);
}

#[tokio::test]
async fn a_google_sign_in_without_an_id_token_is_a_422() {
    let google = google(0).await;
    let app = app(&google).await;
    let r = app
        .client
        .post(format!("{}/auth/login", app.address))
        .json(&json!({"email": "wes@productled.com", "provider": "google"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "id_token");
}

crate::helpers::postgres_too!(
    first_sign_ins_from_an_allowed_workspace_create_admins_and_viewers,
    sign_up_and_admin_bootstrap_need_the_hd_claim_of_an_allowed_domain,
);
