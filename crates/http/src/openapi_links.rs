//! OpenAPI links: which answer supplies the identifiers another operation needs in its path (a
//! created customer's `id` for its wallet and orders, an order's `reference` for its update, a
//! listed deletion request's `id` for its decision). Generated clients and stateful testers
//! (schemathesis) follow them instead of guessing ids. Only parameters: OpenAPI 3.1 has no
//! expressions inside a request body, so a link cannot fill one field of it.

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
}

const CUSTOMER_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];

fn links() -> Vec<(From, Vec<To>)> {
    let customer = |name, operation_id| To {
        name,
        operation_id,
        parameters: CUSTOMER_ID,
    };
    vec![
        (
            From {
                method: "post",
                path: "/admin/v1/customers",
                status: "201",
            },
            vec![
                customer("GetCustomer", "admin_get_customer"),
                customer("GetWallet", "admin_get_wallet"),
                customer("AddWalletEntry", "admin_add_wallet_entry"),
                customer("GetOrders", "admin_list_orders"),
                customer("PlaceOrder", "admin_add_order"),
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
                operation_id: "admin_update_order",
                parameters: &[
                    ("id", "$request.path.id"),
                    ("reference", "$response.body#/reference"),
                ],
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
                .zip(["admin_approve_deletion_request", "admin_reject_deletion_request"])
                .map(|(name, operation_id)| To {
                    name,
                    operation_id,
                    parameters: &[("id", "$response.body#/deletionRequests/0/id")],
                })
                .collect(),
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
                let mut link = Link::builder().operation_id(to.operation_id);
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

    /// The schema `pointer` (a JSON pointer into the answer's body) reaches, following `$ref`s,
    /// `properties` for names and `items` for array indexes; `None` if the body has no such
    /// member.
    fn schema_at<'a>(doc: &'a Value, mut schema: &'a Value, pointer: &str) -> Option<&'a Value> {
        let resolve = |schema: &'a Value| match schema["$ref"].as_str() {
            Some(reference) => doc.pointer(reference.strip_prefix('#')?),
            None => Some(schema),
        };
        for segment in pointer.split('/') {
            schema = resolve(schema)?;
            schema = if segment.parse::<usize>().is_ok() {
                schema.get("items")?
            } else {
                schema.get("properties")?.get(segment)?
            };
        }
        resolve(schema)
    }

    /// Every link leads to an operation that exists, fills every path parameter it has (and
    /// no other), and reads a member the answer's schema declares, as a scalar: a renamed
    /// field or route breaks this test, not the clients following the link.
    #[test]
    fn links_lead_to_operations_with_the_parameters_they_fill() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let operations = operations(&doc);
        let mut followed = 0;
        for (from, targets) in super::links() {
            let method = from.method;
            let response = &doc["paths"][from.path][method]["responses"][from.status];
            let links = response["links"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {} has no links", from.path));
            assert_eq!(links.len(), targets.len());
            let body = &response["content"]["application/json"]["schema"];
            for (name, link) in links {
                let id = link["operationId"].as_str().unwrap();
                let (place, target) = operations
                    .get(id)
                    .unwrap_or_else(|| panic!("{name}: no operation {id}"));
                assert!(
                    link.get("requestBody").is_none(),
                    "{name}: no expressions in bodies"
                );
                let parameters = target["parameters"].as_array().cloned().unwrap_or_default();
                // The shared `tenant` header is a reference: it is no path parameter.
                let names: BTreeSet<&str> = parameters.iter().filter_map(|p| p["name"].as_str()).collect();
                for in_path in parameters.iter().filter(|p| p["in"] == "path") {
                    let parameter = in_path["name"].as_str().unwrap();
                    assert!(
                        link["parameters"].get(parameter).is_some(),
                        "{name}: {place} needs {parameter}"
                    );
                }
                for (parameter, expression) in link["parameters"].as_object().into_iter().flatten() {
                    assert!(
                        names.contains(parameter.as_str()),
                        "{name}: {place} has no {parameter}"
                    );
                    let expression = expression.as_str().unwrap();
                    if let Some(pointer) = expression.strip_prefix("$response.body#/") {
                        let member = schema_at(&doc, body, pointer)
                            .unwrap_or_else(|| panic!("{name}: the answer has no {pointer}"));
                        let kind = &member["type"];
                        assert!(
                            kind == "string" || kind == "integer",
                            "{name}: {pointer} is no identifier ({member})"
                        );
                    } else if let Some(parameter) = expression.strip_prefix("$request.path.") {
                        assert!(
                            from.path.contains(&format!("{{{parameter}}}")),
                            "{name}: {expression}"
                        );
                    } else {
                        panic!("{name}: unexpected expression {expression}");
                    }
                }
                followed += 1;
            }
        }
        assert!(followed >= 8, "{followed}");
    }
}
