//! OpenAPI links: which answer supplies the identifiers another operation needs (a created
//! customer's `id` for its wallet and orders, an order's `reference` for its update, a
//! deletion request's `id` for its decision, a deactivation's `uuid` for its confirmation).
//! Generated clients and stateful testers (schemathesis) follow them instead of guessing ids.

use serde_json::{json, Value};
use utoipa::openapi::link::Link;
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::Modify;

pub struct Links;

/// Where a link starts: the answer of one operation.
struct From {
    /// Lower case, as the document spells it.
    method: &'static str,
    path: &'static str,
    status: &'static str,
}

/// Where it leads, with the runtime expressions (OpenAPI 3.1 §4.8.20) that fill it in.
struct To {
    name: &'static str,
    operation_id: &'static str,
    parameters: &'static [(&'static str, &'static str)],
    request_body: Option<fn() -> Value>,
}

const CUSTOMER_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];

fn links() -> Vec<(From, Vec<To>)> {
    let customer = |name, operation_id| To {
        name,
        operation_id,
        parameters: CUSTOMER_ID,
        request_body: None,
    };
    vec![
        (
            From {
                method: "post",
                path: "/admin/v1/customers",
                status: "201",
            },
            vec![
                customer("GetCustomer", "get_customer"),
                customer("GetWallet", "get_wallet"),
                customer("AddWalletEntry", "post_wallet_entry"),
                customer("GetOrders", "get_orders"),
                customer("PlaceOrder", "post_order"),
                customer("Reactivate", "reactivate_customer"),
                To {
                    name: "UpdateThroughCl2c",
                    operation_id: "put_user",
                    parameters: &[],
                    request_body: Some(|| json!({"id": "$response.body#/uuid", "firstName": "Ada"})),
                },
            ],
        ),
        (
            From {
                method: "post",
                path: "/admin/v1/customers/{id}/orders",
                status: "201",
            },
            vec![To {
                name: "UpdateOrder",
                operation_id: "patch_order",
                parameters: &[
                    ("id", "$request.path.id"),
                    ("reference", "$response.body#/reference"),
                ],
                request_body: None,
            }],
        ),
        (
            From {
                method: "get",
                path: "/admin/v1/deletion-requests",
                status: "200",
            },
            ["Approve", "Reject"]
                .into_iter()
                .zip(["approve_deletion_request", "reject_deletion_request"])
                .map(|(name, operation_id)| To {
                    name,
                    operation_id,
                    parameters: &[("id", "$response.body#/deletionRequests/0/id")],
                    request_body: None,
                })
                .collect(),
        ),
        (
            From {
                method: "get",
                path: "/api/v2/my/profile/deactivation",
                status: "200",
            },
            vec![To {
                name: "Confirm",
                operation_id: "confirm_deactivation",
                parameters: &[],
                request_body: Some(|| json!({"uuid": "$response.body#/uuid", "code": 213690})),
            }],
        ),
    ]
}

impl Modify for Links {
    fn modify(&self, openapi: &mut OpenApi) {
        for (from, targets) in links() {
            // A missing source is named by the unit test below.
            let Some(operation) = operation_mut(openapi, from.path, from.method) else {
                continue;
            };
            let Some(RefOr::T(response)) = operation.responses.responses.get_mut(from.status) else {
                continue;
            };
            for to in targets {
                let mut link = Link::builder()
                    .operation_id(to.operation_id)
                    .request_body(to.request_body.map(|body| body()));
                for (name, expression) in to.parameters {
                    link = link.parameter(*name, *expression);
                }
                response.links.insert(to.name.to_owned(), RefOr::T(link.build()));
            }
        }
    }
}

fn operation_mut<'a>(
    openapi: &'a mut OpenApi,
    path: &str,
    method: &str,
) -> Option<&'a mut utoipa::openapi::path::Operation> {
    let item = openapi.paths.paths.get_mut(path)?;
    match method {
        "get" => item.get.as_mut(),
        "post" => item.post.as_mut(),
        "put" => item.put.as_mut(),
        "patch" => item.patch.as_mut(),
        "delete" => item.delete.as_mut(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::Value;
    use utoipa::OpenApi;

    use crate::openapi::ApiDoc;

    fn operations(doc: &Value) -> BTreeMap<String, (String, &Value)> {
        let mut by_id = BTreeMap::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"]
                    .as_str()
                    .expect("every operation has an id");
                let place = format!("{method} {path}");
                let earlier = by_id.insert(id.to_owned(), (place.clone(), operation));
                assert!(earlier.is_none(), "operationId {id} is used twice ({place})");
            }
        }
        by_id
    }

    /// The properties a response's schema declares (following one `$ref`).
    fn properties<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
        let schema = &response["content"]["application/json"]["schema"];
        let name = schema["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
        &doc["components"]["schemas"][name]["properties"]
    }

    /// Every link leads to an operation that exists, fills parameters it has, and reads
    /// members the answer's schema declares: a renamed field or route breaks this test, not
    /// the clients following the link.
    #[test]
    fn links_lead_to_operations_with_the_parameters_they_fill() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let operations = operations(&doc);
        let mut followed = 0;
        for (from, targets) in super::links() {
            let method = from.method;
            let response = &doc["paths"][from.path][&method]["responses"][from.status];
            let links = response["links"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {} has no links", from.path));
            assert_eq!(links.len(), targets.len());
            let declared = properties(&doc, response);
            for (name, link) in links {
                let id = link["operationId"].as_str().unwrap();
                let (place, target) = operations
                    .get(id)
                    .unwrap_or_else(|| panic!("{name}: no operation {id}"));
                let parameters = target["parameters"].as_array().cloned().unwrap_or_default();
                let names: BTreeSet<&str> = parameters.iter().map(|p| p["name"].as_str().unwrap()).collect();
                for in_path in parameters.iter().filter(|p| p["in"] == "path") {
                    let parameter = in_path["name"].as_str().unwrap();
                    assert!(
                        link["parameters"].get(parameter).is_some(),
                        "{name}: {place} needs {parameter}"
                    );
                }
                let mut expressions: Vec<&str> = Vec::new();
                for (parameter, expression) in link["parameters"].as_object().into_iter().flatten() {
                    assert!(
                        names.contains(parameter.as_str()),
                        "{name}: {place} has no {parameter}"
                    );
                    expressions.push(expression.as_str().unwrap());
                }
                if let Some(body) = link.get("requestBody").and_then(Value::as_object) {
                    assert!(
                        target.get("requestBody").is_some(),
                        "{name}: {place} takes no body"
                    );
                    expressions.extend(body.values().filter_map(Value::as_str));
                }
                for expression in expressions {
                    if let Some(pointer) = expression.strip_prefix("$response.body#/") {
                        let member = pointer.split('/').next().unwrap();
                        assert!(
                            declared.get(member).is_some(),
                            "{name}: the answer has no {member}"
                        );
                    } else if let Some(parameter) = expression.strip_prefix("$request.path.") {
                        assert!(
                            from.path.contains(&format!("{{{parameter}}}")),
                            "{name}: {expression}"
                        );
                    } else if expression.starts_with('$') {
                        panic!("{name}: unexpected expression {expression}");
                    }
                }
                followed += 1;
            }
        }
        assert!(followed >= 11, "{followed}");
    }
}
