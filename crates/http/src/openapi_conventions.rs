//! What every operation of the document shares, stated once so generated clients can act on
//! it: the `tenant` header (one shared parameter, on every operation that reads it), the
//! security each operation takes (`security: []` on the public ones, the tenant's API key on
//! CL2C), the 401 each kind of caller meets, the server and the tags.

use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::Tag;
use utoipa::openapi::{OpenApi, Ref, RefOr, Required, Response, Server};
use utoipa::Modify;

use crate::openapi::operations_mut;
use crate::surfaces::cl2c;
use crate::tenant_header::TENANT_HEADER;

/// The name of the shared `tenant` header parameter in `components.parameters`.
const TENANT_PARAMETER: &str = "Tenant";
/// The CL2C app's key, in the `X-API-Key` header.
const API_KEY_SCHEME: &str = "apiKey";

/// The tags, in the order a reader meets the surfaces, each with what it is.
const TAGS: &[(&str, &str)] = &[
    (
        "Customer area",
        "Sign-up, activation, sign-in (for every surface), the customer's own account, email change and password reset.",
    ),
    ("B2Core", "The B2Core client profile and the account's closing by a mailed code."),
    ("TSS", "The TSS user profile: wallet, orders, referral code, SMS two-factor, password change."),
    ("CL2C", "The CL2C user, updated by a tenant's app with its API key."),
    (
        "Back office",
        "Customers, tenants, API keys, closing settings, deletion requests, outbox and audit, with the admin token.",
    ),
    ("Operations", "Health and metrics."),
    ("Pages", "The HTML pages behind the mailed links."),
];

pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .parameters
            .insert(TENANT_PARAMETER.to_owned(), RefOr::T(tenant_parameter()));
        components.add_security_scheme(
            API_KEY_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "A key of the tenant's app, made in the back office (`POST /admin/v1/tenants/{id}/api-keys`).",
            ))),
        );
        openapi.servers = Some(vec![{
            let mut server = Server::new("/");
            server.description = Some("This instance (the document's own origin).".to_owned());
            server
        }]);
        openapi.tags = Some(
            TAGS.iter()
                .map(|(name, description)| {
                    let mut tag = Tag::new(*name);
                    tag.description = Some((*description).to_owned());
                    tag
                })
                .collect(),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in operations_mut(item) {
                apply(path, operation);
            }
        }
    }
}

/// How an operation's caller proves who it is.
#[derive(Clone, Copy, PartialEq)]
enum Caller {
    Admin,
    Customer,
    App,
    Anyone,
}

fn caller(path: &str, operation: &Operation) -> Caller {
    let named = |scheme: &str| {
        operation
            .security
            .iter()
            .flatten()
            .any(|requirement| serde_json::to_value(requirement).is_ok_and(|v| v.get(scheme).is_some()))
    };
    if path.starts_with(cl2c::PREFIX) {
        Caller::App
    } else if named("admin") {
        Caller::Admin
    } else if named("bearer") {
        Caller::Customer
    } else {
        Caller::Anyone
    }
}

/// Whether the operation acts within the tenant its `tenant` header names. Tenants themselves,
/// health and metrics are instance-wide; the pages take their tenant from the link's query;
/// CL2C declares the header itself, required.
fn reads_tenant_header(path: &str, operation: &Operation) -> bool {
    let instance_wide =
        path.starts_with("/admin/v1/tenants") || path.starts_with("/health/") || path == "/metrics";
    let own_tenant = operation
        .parameters
        .iter()
        .flatten()
        .any(|parameter| matches!(parameter, RefOr::T(p) if p.name == TENANT_HEADER));
    !instance_wide && !own_tenant && !path.starts_with(cl2c::PREFIX)
}

fn apply(path: &str, operation: &mut Operation) {
    let caller = caller(path, operation);
    let reads_tenant = reads_tenant_header(path, operation);
    if reads_tenant {
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(RefOr::Ref(Ref::new(format!(
                "#/components/parameters/{TENANT_PARAMETER}"
            ))));
    }
    match caller {
        // `[]`, not `[{}]`: a generator reads any requirement as "needs credentials".
        Caller::Anyone => operation.security = Some(Vec::new()),
        Caller::App => {
            operation.security = Some(vec![SecurityRequirement::new(
                API_KEY_SCHEME,
                Vec::<String>::new(),
            )]);
            // The key is the security scheme's; declared again as a parameter it would be two
            // inputs for one header in a generated client.
            if let Some(parameters) = operation.parameters.as_mut() {
                parameters.retain(|p| !matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("x-api-key")));
            }
        }
        Caller::Admin | Caller::Customer => {}
    }
    let unauthorized = match caller {
        Caller::Admin if reads_tenant => Some(
            "The admin token is missing or not valid, or the `tenant` header names no tenant of this instance.",
        ),
        Caller::Admin => Some("The admin token is missing or not valid."),
        Caller::Customer => Some(
            "The bearer token is missing, expired or revoked, is another tenant's, or (on a sensitive change) its sign-in is too old: `sign-in-again`.",
        ),
        Caller::App => None,
        Caller::Anyone if reads_tenant => Some("The `tenant` header names no tenant of this instance."),
        Caller::Anyone => None,
    };
    if let Some(description) = unauthorized {
        let responses = &mut operation.responses.responses;
        match responses.get_mut("401") {
            Some(RefOr::T(response)) if response.description.is_empty() => {
                response.description = description.to_owned()
            }
            Some(_) => {}
            None => {
                responses.insert("401".to_owned(), RefOr::T(Response::new(description)));
            }
        }
    }
}

/// The `tenant` header: the tenant's id (a slug), `default` when absent.
fn tenant_parameter() -> Parameter {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(64))
        .pattern(Some("^[a-z0-9_-]+$"))
        .examples(["default"])
        .build();
    let mut parameter = Parameter::new(TENANT_HEADER);
    parameter.parameter_in = ParameterIn::Header;
    parameter.required = Required::False;
    parameter.description = Some(
        "The tenant acted for, by its id; without the header, `default`. An id that names no tenant is refused (401)."
            .to_owned(),
    );
    parameter.schema = Some(RefOr::T(utoipa::openapi::Schema::Object(schema)));
    parameter
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    use super::TAGS;
    use crate::openapi::ApiDoc;

    /// The operationId's prefix of each tag: a generated client's functions say their surface.
    fn prefix(tag: &str) -> &'static str {
        match tag {
            "Customer area" => "customer_area_",
            "B2Core" => "b2core_",
            "TSS" => "tss_",
            "CL2C" => "cl2c_",
            "Back office" => "admin_",
            "Operations" => "operations_",
            "Pages" => "pages_",
            other => panic!("undeclared tag {other}"),
        }
    }

    #[test]
    fn every_operation_says_its_surface_credential_and_tenant() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let declared: Vec<&str> = doc["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(declared, TAGS.iter().map(|(name, _)| *name).collect::<Vec<_>>());
        assert!(doc["servers"][0]["url"].is_string());
        let mut tenant_reading = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let place = format!("{method} {path}");
                let tags = operation["tags"].as_array().unwrap();
                assert_eq!(tags.len(), 1, "{place}: one tag");
                let id = operation["operationId"].as_str().unwrap();
                assert!(id.starts_with(prefix(tags[0].as_str().unwrap())), "{place}: {id}");
                assert!(
                    id.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{place}: {id} is not snake_case"
                );
                let security = operation["security"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{place} declares no security"));
                let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
                let shared_tenant = parameters
                    .iter()
                    .any(|p| p["$ref"] == "#/components/parameters/Tenant");
                let customer_facing = path.starts_with("/customers/") || path.starts_with("/api/");
                let tenant_scoped_admin =
                    path.starts_with("/admin/v1/") && !path.starts_with("/admin/v1/tenants");
                let page = tags[0] == "Pages";
                assert_eq!(
                    shared_tenant,
                    (customer_facing || tenant_scoped_admin) && !page,
                    "{place}: the tenant header"
                );
                // The credential each kind of route takes, by name.
                let schemes: Vec<&str> = security
                    .iter()
                    .flat_map(|requirement| requirement.as_object().unwrap().keys().map(String::as_str))
                    .collect();
                let expected: &[&str] = if path.starts_with("/admin/") || path == "/metrics" {
                    &["admin"]
                } else if path.starts_with("/v1/cl2c/") {
                    &["apiKey"]
                } else if path.starts_with("/api/")
                    || path == "/customers/self"
                    || path == "/customers/logout"
                    || path.starts_with("/customers/self/")
                {
                    &["bearer"]
                } else {
                    &[]
                };
                assert_eq!(schemes, expected, "{place}");
                if shared_tenant {
                    tenant_reading += 1;
                    let unauthorized = operation["responses"]["401"]["description"]
                        .as_str()
                        .unwrap_or_default();
                    // Where no token is taken, the 401 is about the tenant; elsewhere the
                    // token's description (admin: both).
                    if expected.is_empty() || expected == ["admin"] {
                        assert!(unauthorized.contains("tenant"), "{place}: {unauthorized}");
                    } else {
                        assert!(unauthorized.contains("bearer token"), "{place}: {unauthorized}");
                    }
                }
                if path.starts_with("/v1/cl2c/") {
                    assert_eq!(security[0]["apiKey"], serde_json::json!([]), "{place}");
                    assert!(
                        !parameters.iter().any(|p| p["name"] == "X-API-Key"),
                        "{place}: the key is the security scheme's"
                    );
                }
            }
        }
        assert!(tenant_reading > 30, "{tenant_reading}");
        assert_eq!(
            doc["components"]["securitySchemes"]["apiKey"]["name"],
            "X-API-Key"
        );
        // The public operations say so, rather than inheriting nothing.
        assert_eq!(
            doc["paths"]["/customers/signup"]["post"]["security"],
            serde_json::json!([])
        );
    }

    /// Every date and moment a schema names says so (`date`, `date-time`), or, where the field
    /// takes a marker as well (TSS's `0000-00-00`), a pattern does.
    #[test]
    fn dates_and_moments_have_a_format() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let endings = [
            "At",
            "_at",
            "On",
            "_on",
            "birthday",
            "birthdate",
            "Expiry",
            "expiry",
            "Upto",
        ];
        let moment = |field: &str| endings.iter().any(|ending| field.ends_with(ending));
        let mut seen = 0;
        for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
            for (field, property) in schema["properties"].as_object().into_iter().flatten() {
                let text = property["type"] == "string"
                    || property["type"]
                        .as_array()
                        .is_some_and(|t| t.contains(&"string".into()));
                if !moment(field) || !text {
                    continue;
                }
                seen += 1;
                assert!(
                    property.get("format").is_some() || property.get("pattern").is_some(),
                    "{name}.{field} has no format: {property}"
                );
            }
        }
        assert!(seen > 25, "{seen}");
    }
}
