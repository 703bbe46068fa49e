"""A journey through Clientele with a client generated from its /openapi.json, nothing else.

Run by scripts/openapi-clients.sh (part of `make test`), which generates the client
(`openapi-python-client`, package `clientele_client`) and puts it on PYTHONPATH:

    journey.py --base-url http://127.0.0.1:PORT --admin-token TOKEN --document openapi.json

Every request goes through a generated function: the back office makes a tenant, an API key
and a customer in that tenant (with the `tenant` header the functions take); the customer signs
in (Customer area), reads and changes its B2Core profile, its Customer-area self and its TSS
profile; the tenant's app changes it through CL2C with the key; and refusals arrive as the
generated problem models. The document itself (read from --document, never fetched here) is
used only to check what came back: each answer's status must be declared (the client raises on
any other), its media type declared, its body valid against the declared schema, and no parsed
model may hold a field the document does not name.

A failed step is reported and the journey goes on with the next one (a step that needs what a
failed one should have made says so); the exit status is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import pkgutil
import re
import sys
import traceback
import typing
import uuid
from collections.abc import Callable
from typing import Any

import attrs
import clientele_client.api
import httpx
from clientele_client import AuthenticatedClient, Client
from clientele_client.api.b2_core import b2core_get_profile, b2core_replace_profile, b2core_update_profile
from clientele_client.api.back_office import (
    admin_create_api_key,
    admin_create_customer,
    admin_create_tenant,
    admin_get_customer,
    admin_list_api_keys,
)
from clientele_client.api.cl2c import cl2c_update_user
from clientele_client.api.customer_area import customer_area_get_self, customer_area_sign_in, customer_area_update_self
from clientele_client.api.tss import tss_get_profile, tss_update_profile
from clientele_client.errors import UnexpectedStatus
from clientele_client.models import (
    AdminCustomer,
    AdminTenant,
    ApiKeyListing,
    B2CoreProfileBody,
    B2CoreProfileInfo,
    Cl2CUser,
    ClientProfile,
    CreateApiKeyBody,
    CreateCustomerBody,
    CreatedApiKey,
    CreateTenantBody,
    CustomerView,
    DefaultError,
    LoginBody,
    LoginResponse,
    PatchSelfBody,
    Problem,
    ProblemErrorsType0,
    PutUserBody,
    TssProfile,
    TssProfileBody,
)
from clientele_client.types import Response
from openapi_schema_validator import OAS31Validator

PASSWORD = "a good passphrase for the journey"
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")


class Failure(Exception):
    """A check that did not hold; its message says what was expected and what came."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def equal(actual: Any, expected: Any, what: str) -> None:
    expect(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


class Contract:
    """The document, to check each answer the generated client received against it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.violations: list[str] = []
        self.answers = 0
        # Literal paths before templated ones, so /customers/self is not taken for a {param}.
        self.routes = sorted(
            (
                (re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"), path)
                for path in document["paths"]
            ),
            key=lambda route: route[1].count("{"),
        )

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, template in self.routes:
            if pattern.match(path) and method in self.document["paths"][template]:
                return template, self.document["paths"][template][method]
        return None

    def check(self, response: httpx.Response) -> None:
        """httpx's response hook: the answer against what the document declares for it."""
        response.read()
        self.answers += 1
        method = response.request.method.lower()
        path = response.request.url.path
        found = self.operation(method, path)
        where = f"{method.upper()} {path} → {response.status_code}"
        if found is None:
            self.violations.append(f"{where}: no operation of the document has this path and method")
            return
        template, operation = found
        where = f"{operation.get('operationId')} ({method.upper()} {template}) → {response.status_code}"
        declared = operation.get("responses", {}).get(str(response.status_code))
        if declared is None:
            # The generated client raises UnexpectedStatus too; this names the operation.
            self.violations.append(f"{where}: status not declared (declared: {sorted(operation['responses'])})")
            return
        content = declared.get("content") or {}
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if not response.content:
            if content:
                self.violations.append(f"{where}: empty body, the document declares {sorted(content)}")
            return
        if media_type not in content:
            self.violations.append(f"{where}: sent {media_type or 'no content type'}, declared {sorted(content)}")
            return
        schema = content[media_type].get("schema")
        if schema is None or not media_type.endswith("json"):
            return
        pointer = "#/paths/{}/{}/responses/{}/content/{}/schema".format(
            template.replace("~", "~0").replace("/", "~1"),
            method,
            response.status_code,
            media_type.replace("~", "~0").replace("/", "~1"),
        )
        # The whole document as the schema's root, so that its $refs resolve.
        validator = OAS31Validator({**self.document, "$ref": pointer}, format_checker=OAS31Validator.FORMAT_CHECKER)
        try:
            body = response.json()
        except ValueError:
            self.violations.append(f"{where}: sent {media_type}, yet the body is no JSON: {response.content[:200]!r}")
            return
        for error in validator.iter_errors(body):
            location = "/".join(str(part) for part in error.absolute_path) or "(the body)"
            self.violations.append(f"{where}: at {location}: {error.message} (schema {pointer})")


DATE_OR_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$"
)


def undeclared_fields(model: Any, where: str = "") -> list[str]:
    """What a parsed answer holds that its generated model does not type: fields it does not
    name (they land in `additional_properties`; maps, models with no field of their own like a
    problem's `errors`, hold only such entries by design) and dates or timestamps kept as plain
    text (their schema has no `format: date` / `date-time`), through nested models."""
    found: list[str] = []
    if isinstance(model, list):
        for index, item in enumerate(model):
            found += undeclared_fields(item, f"{where}[{index}]")
        return found
    if isinstance(model, str) and DATE_OR_TIMESTAMP.match(model):
        return [f"{where or '(the body)'} = {model!r}: a date or timestamp the model keeps as text (no format)"]
    if not attrs.has(type(model)):
        return found
    names = [field.name for field in attrs.fields(type(model)) if field.name != "additional_properties"]
    extra = getattr(model, "additional_properties", {})
    if names and extra:
        found.append(f"{type(model).__name__}{where}: {sorted(extra)}")
    for name in names:
        found += undeclared_fields(getattr(model, name), f"{where}.{name}")
    return found


class Journey:
    def __init__(self, base_url: str, admin_token: str, contract: Contract) -> None:
        self.base_url = base_url
        self.contract = contract
        self.hooks = {"event_hooks": {"response": [contract.check]}}
        self.admin = self.authenticated(admin_token)
        self.anonymous = Client(base_url=base_url, raise_on_unexpected_status=True, httpx_args=self.hooks)
        self.state: dict[str, Any] = {}
        self.failures: list[str] = []
        self.passed = 0

    def authenticated(self, token: str, **scheme: Any) -> AuthenticatedClient:
        return AuthenticatedClient(
            base_url=self.base_url, token=token, raise_on_unexpected_status=True, httpx_args=self.hooks, **scheme
        )

    def need(self, key: str) -> Any:
        if key not in self.state:
            raise Failure(f"not reached: needs {key!r}, which an earlier failed step should have made")
        return self.state[key]

    def answer(self, response: Response[Any], status: int, model: type, what: str) -> Any:
        """The parsed answer, after checking its status and its generated model."""
        equal(int(response.status_code), status, f"{what}: status")
        parsed = response.parsed
        expect(
            isinstance(parsed, model),
            f"{what}: expected a {model.__name__}, got {type(parsed).__name__}: {response.content[:300]!r}",
        )
        # Recorded, not raised: the step goes on, and fails at its end.
        self.contract.violations += [
            f"{what}: the document does not declare {extra}" for extra in undeclared_fields(parsed)
        ]
        return parsed

    def step(self, name: str, run: Callable[[], None]) -> None:
        violations_before = len(self.contract.violations)
        problems = []
        try:
            run()
        except Failure as failure:
            problems.append(str(failure))
        except UnexpectedStatus as unexpected:
            problems.append(f"undeclared status {unexpected.status_code}: {unexpected.content[:300]!r}")
        except Exception:  # a generated model that could not parse an answer, most likely
            problems.append("the generated client raised:\n" + traceback.format_exc(limit=6))
        new = self.contract.violations[violations_before:]
        if new:
            problems.append("answers that do not match the document:\n    " + "\n    ".join(new))
        if problems:
            self.fail(name, "\n  ".join(problems))
        else:
            self.passed += 1
            print(f"ok   {name}")

    def fail(self, name: str, message: str) -> None:
        self.failures.append(f"{name}: {message}")
        print(f"FAIL {name}: {message}")

    # --- the generated code itself -------------------------------------------------------

    def generated_functions(self) -> None:
        """Every operation of the document has its function; the public ones (the document says
        they need no credentials) can be called without any, with a plain `Client`; and every
        answer has one schema, since a generated function reads a status with the schema of its
        first media type only."""
        problems = []
        packages = [package.name for package in pkgutil.iter_modules(clientele_client.api.__path__)]
        for path, item in self.contract.document["paths"].items():
            for method, operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                name = operation.get("operationId")
                if not name:
                    problems.append(f"{method.upper()} {path}: no operationId (the function's name would be guessed)")
                    continue
                module = None
                for package in packages:
                    try:
                        module = importlib.import_module(f"clientele_client.api.{package}.{name}")
                        break
                    except ModuleNotFoundError:
                        pass
                if module is None:
                    problems.append(f"{name} ({method.upper()} {path}): no generated function")
                    continue
                for status, response in operation.get("responses", {}).items():
                    schemas = {
                        media: json.dumps(body.get("schema")) for media, body in (response.get("content") or {}).items()
                    }
                    if len(set(schemas.values())) > 1:
                        problems.append(
                            f"{name} ({method.upper()} {path}) → {status}: a schema per media type ({schemas});"
                            f" the generated function parses every {status} as the first, so the others cannot be read"
                        )
                security = operation.get("security", self.contract.document.get("security", []))
                public = all(not requirement for requirement in security)
                accepted = typing.get_args(typing.get_type_hints(module.sync_detailed)["client"]) or (
                    typing.get_type_hints(module.sync_detailed)["client"],
                )
                if public and Client not in accepted:
                    problems.append(
                        f"{name} ({method.upper()} {path}): public (security {json.dumps(security)}),"
                        " yet its generated function takes only an AuthenticatedClient"
                    )
        expect(not problems, "\n    " + "\n    ".join(problems))

    # --- back office ---------------------------------------------------------------------

    def back_office_tenant_and_key(self) -> None:
        tenant_id = "journey-" + uuid.uuid4().hex[:8]
        tenant = self.answer(
            admin_create_tenant.sync_detailed(
                client=self.admin, body=CreateTenantBody(id=tenant_id, name="Journey Inc.")
            ),
            201,
            AdminTenant,
            "admin_create_tenant",
        )
        equal(tenant.id, tenant_id, "the tenant's id")
        equal(tenant.name, "Journey Inc.", "the tenant's name")
        expect(isinstance(tenant.created_at, datetime.datetime), f"createdAt parsed as {tenant.created_at!r}")
        expect(tenant.created_at.tzinfo is not None, "createdAt carries its offset")
        self.state["tenant"] = tenant_id

        key = self.answer(
            admin_create_api_key.sync_detailed(tenant_id, client=self.admin, body=CreateApiKeyBody(name="journey app")),
            201,
            CreatedApiKey,
            "admin_create_api_key",
        )
        equal(key.name, "journey app", "the key's name")
        expect(key.key.startswith(key.prefix), f"the key {key.key[:20]}… starts with its prefix {key.prefix!r}")
        expect(not key.revoked_at, f"a new key is not revoked: {key.revoked_at!r}")
        self.state["api_key"] = key.key

        listing = self.answer(
            admin_list_api_keys.sync_detailed(tenant_id, client=self.admin), 200, ApiKeyListing, "admin_list_api_keys"
        )
        equal([listed.id for listed in listing.api_keys], [key.id], "the keys the listing names")
        expect(key.key not in json.dumps(listing.to_dict()), "the listing never shows a key itself")

    def back_office_customer(self) -> None:
        tenant = self.need("tenant")
        email = f"ann-{uuid.uuid4().hex[:8]}@example.com"
        customer = self.answer(
            admin_create_customer.sync_detailed(
                client=self.admin,
                tenant=tenant,
                body=CreateCustomerBody(email=email, password=PASSWORD, first_name="Ann", locale="en_US"),
            ),
            201,
            AdminCustomer,
            "admin_create_customer",
        )
        equal(customer.tenant, tenant, "the customer's tenant (from the tenant header)")
        equal(customer.email, email, "the customer's email")
        equal(customer.status, "active", "a customer made with a password")
        equal(customer.has_password, True, "hasPassword")
        self.state["email"] = email
        self.state["customer"] = customer

        read = self.answer(
            admin_get_customer.sync_detailed(customer.uuid, client=self.admin, tenant=tenant),
            200,
            AdminCustomer,
            "admin_get_customer",
        )
        equal(read.id, customer.id, "the customer read back by UUID")

    # --- Customer area -------------------------------------------------------------------

    def customer_area_sign_in(self) -> None:
        tenant, email = self.need("tenant"), self.need("email")
        # Anonymous, as the document says: no credentials on this client.
        signed_in = self.answer(
            customer_area_sign_in.sync_detailed(
                client=self.anonymous, tenant=tenant, body=LoginBody(email=email, password=PASSWORD)
            ),
            200,
            LoginResponse,
            "customer_area_sign_in",
        )
        expect(len(signed_in.token.split(".")) == 3, f"the token is a JWT: {signed_in.token[:20]}…")
        self.state["me"] = self.authenticated(signed_in.token)

        # The customer lives in the journey's tenant only: without the header, no such account.
        refused = self.answer(
            customer_area_sign_in.sync_detailed(client=self.anonymous, body=LoginBody(email=email, password=PASSWORD)),
            401,
            Problem,
            "customer_area_sign_in in the default tenant",
        )
        equal(refused.status, 401, "the problem's status")

    def customer_area_self(self) -> None:
        tenant, me, customer = self.need("tenant"), self.need("me"), self.need("customer")
        view = self.answer(
            customer_area_get_self.sync_detailed(client=me, tenant=tenant), 200, CustomerView, "customer_area_get_self"
        )
        equal(view.id, str(customer.id), "self's id (the numeric id as a string)")
        equal(view.email, customer.email, "self's email")
        equal(view.name, "Ann", "self's name")

        changed = self.answer(
            customer_area_update_self.sync_detailed(
                client=me,
                tenant=tenant,
                body=PatchSelfBody(
                    address="1 Journey Road", address_town="Springfield", country="US", subscriptions=["news"]
                ),
            ),
            200,
            CustomerView,
            "customer_area_update_self",
        )
        equal(changed.address, "1 Journey Road", "the changed address")
        equal(changed.address_town, "Springfield", "the changed town")
        equal(changed.country, "US", "the changed country")
        equal(changed.subscriptions, ["news"], "the changed subscriptions")
        again = self.answer(
            customer_area_get_self.sync_detailed(client=me, tenant=tenant),
            200,
            CustomerView,
            "customer_area_get_self again",
        )
        equal(again.address, "1 Journey Road", "the address, read again")

    # --- B2Core --------------------------------------------------------------------------

    def b2core_profile(self) -> None:
        tenant, me, customer = self.need("tenant"), self.need("me"), self.need("customer")
        profile = self.answer(
            b2core_get_profile.sync_detailed(client=me, tenant=tenant), 200, ClientProfile, "b2core_get_profile"
        )
        equal(profile.id, customer.id, "the profile's id")
        equal(profile.uuid, customer.uuid, "the profile's uuid")
        equal(profile.status, "active", "the profile's status")
        equal(profile.info.first_name, "Ann", "info.firstName")
        equal(profile.locale, "en_US", "the profile's locale")

        birthday = datetime.datetime(1990, 5, 15, tzinfo=datetime.timezone.utc)
        patched = self.answer(
            b2core_update_profile.sync_detailed(
                client=me,
                tenant=tenant,
                body=B2CoreProfileBody(nickname="annie", info=B2CoreProfileInfo(last_name="Lee", birthday=birthday)),
            ),
            200,
            ClientProfile,
            "b2core_update_profile (PATCH)",
        )
        equal(patched.nickname, "annie", "the patched nickname")
        equal(patched.info.last_name, "Lee", "the patched info.lastName")
        equal(patched.info.first_name, "Ann", "info.firstName, kept by the merge")
        expect(
            isinstance(patched.info.birthday, datetime.datetime) and patched.info.birthday.date() == birthday.date(),
            f"info.birthday: expected {birthday.date()}, got {patched.info.birthday!r}",
        )
        equal(patched.locale, "en_US", "the locale, kept by the merge")

        replaced = self.answer(
            b2core_replace_profile.sync_detailed(
                client=me,
                tenant=tenant,
                body=B2CoreProfileBody(
                    locale="de", info=B2CoreProfileInfo(first_name="Ann", last_name="Lee", birthday=birthday)
                ),
            ),
            200,
            ClientProfile,
            "b2core_replace_profile (PUT)",
        )
        equal(replaced.locale, "de", "the replaced locale")
        expect(replaced.nickname is None, f"the nickname the PUT left out is cleared: {replaced.nickname!r}")
        read = self.answer(
            b2core_get_profile.sync_detailed(client=me, tenant=tenant), 200, ClientProfile, "b2core_get_profile again"
        )
        equal((read.locale, read.nickname, read.info.last_name), ("de", None, "Lee"), "the profile, read again")

        customer_view = self.answer(
            customer_area_get_self.sync_detailed(client=me, tenant=tenant), 200, CustomerView, "customer_area_get_self"
        )
        equal(customer_view.name, "Ann Lee", "the Customer-area name after the B2Core change")

    def b2core_problem(self) -> None:
        tenant, me = self.need("tenant"), self.need("me")
        problem = self.answer(
            b2core_update_profile.sync_detailed(
                client=me, tenant=tenant, body=B2CoreProfileBody(locale="not a locale")
            ),
            400,
            Problem,
            "b2core_update_profile with a bad locale",
        )
        equal(problem.status, 400, "the problem's status")
        expect(isinstance(problem.errors, ProblemErrorsType0), f"errors parsed into its model: {problem.errors!r}")
        expect("locale" in problem.errors, f"errors names locale: {problem.errors.to_dict()}")

    # --- TSS -----------------------------------------------------------------------------

    def tss_profile(self) -> None:
        tenant, me, customer = self.need("tenant"), self.need("me"), self.need("customer")
        profile = self.answer(
            tss_get_profile.sync_detailed(client=me, tenant=tenant), 200, TssProfile, "tss_get_profile"
        )
        equal(profile.user_id, customer.id, "user_id")
        equal(profile.email, customer.email, "email")
        equal((profile.firstname, profile.lastname), ("Ann", "Lee"), "the names B2Core set")
        equal(profile.is_two_fa, 0, "is_two_fa")
        equal(profile.has_password, 1, "has_password")
        expect(bool(profile.referal_code), "a referral code")

        changed = self.answer(
            tss_update_profile.sync_detailed(
                client=me,
                tenant=tenant,
                body=TssProfileBody(
                    firstname="Anna", lastname="Lee", gender="female", birthdate="0000-00-00", telephone="+14155550123"
                ),
            ),
            200,
            TssProfile,
            "tss_update_profile",
        )
        equal(changed.firstname, "Anna", "the changed firstname")
        equal(changed.gender, "female", "the changed gender")
        equal(changed.telephone, "+14155550123", "the changed telephone")
        read = self.answer(
            tss_get_profile.sync_detailed(client=me, tenant=tenant), 200, TssProfile, "tss_get_profile again"
        )
        equal((read.firstname, read.telephone), ("Anna", "+14155550123"), "the TSS profile, read again")

    # --- CL2C ----------------------------------------------------------------------------

    def cl2c_user(self) -> None:
        tenant, key, customer = self.need("tenant"), self.need("api_key"), self.need("customer")
        app = self.authenticated(key, auth_header_name="X-API-Key", prefix="")
        user = self.answer(
            cl2c_update_user.sync_detailed(
                client=app,
                tenant=tenant,
                body=PutUserBody(
                    id=uuid.UUID(customer.uuid), first_name="Annette", last_name="Lee", phone_number="+14155550124"
                ),
            ),
            200,
            Cl2CUser,
            "cl2c_update_user",
        )
        equal(user.id, customer.uuid, "the user's id")
        equal((user.first_name, user.last_name), ("Annette", "Lee"), "the user's names")
        equal(user.phone_number, "+14155550124", "the user's phone number")
        equal(user.email, customer.email, "the user's email")
        equal(user.authenticated, True, "a user signed in on the Customer area has a live session")

        # The same account, seen by the back office.
        read = self.answer(
            admin_get_customer.sync_detailed(customer.uuid, client=self.admin, tenant=tenant),
            200,
            AdminCustomer,
            "admin_get_customer after CL2C",
        )
        equal((read.first_name, read.phone), ("Annette", "+14155550124"), "the back office's view of the CL2C change")

    def cl2c_errors(self) -> None:
        tenant, key = self.need("tenant"), self.need("api_key")
        app = self.authenticated(key, auth_header_name="X-API-Key", prefix="")
        missing = self.answer(
            cl2c_update_user.sync_detailed(
                client=app, tenant=tenant, body=PutUserBody(id=uuid.uuid4(), first_name="Nobody")
            ),
            404,
            DefaultError,
            "cl2c_update_user for a user the tenant does not have",
        )
        equal(missing.status_code, 404, "the default error's statusCode")
        expect(bool(missing.messages), "the default error has messages")

        wrong_key = self.authenticated("clk_not_a_key", auth_header_name="X-API-Key", prefix="")
        refused = self.answer(
            cl2c_update_user.sync_detailed(
                client=wrong_key, tenant=tenant, body=PutUserBody(id=uuid.uuid4(), first_name="Nobody")
            ),
            401,
            DefaultError,
            "cl2c_update_user with a wrong key",
        )
        equal(refused.status_code, 401, "the default error's statusCode")

    # --- a validation problem from the back office -----------------------------------------

    def back_office_problem(self) -> None:
        tenant = self.need("tenant")
        problem = self.answer(
            admin_create_customer.sync_detailed(
                client=self.admin, tenant=tenant, body=CreateCustomerBody(email="not an address", phone="12")
            ),
            400,
            Problem,
            "admin_create_customer with a bad email and phone",
        )
        equal(problem.status, 400, "the problem's status")
        expect(bool(problem.title) and bool(problem.type_), f"a title and a type: {problem.to_dict()}")
        expect(isinstance(problem.errors, ProblemErrorsType0), f"errors parsed into its model: {problem.errors!r}")
        equal(sorted(problem.errors.additional_keys), ["email", "phone"], "the fields errors names")
        for field in ("email", "phone"):
            messages = problem.errors[field]
            expect(
                isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages),
                f"errors.{field} is a list of messages: {messages!r}",
            )

    def run(self) -> int:
        self.step(
            "the generated code: a function per operation, a plain Client for public ones, one schema per answer",
            self.generated_functions,
        )
        self.step("back office: a tenant and an API key", self.back_office_tenant_and_key)
        self.step("back office: a customer in that tenant", self.back_office_customer)
        self.step("Customer area: sign in", self.customer_area_sign_in)
        self.step("Customer area: GET and PATCH self", self.customer_area_self)
        self.step("B2Core: GET, PATCH and PUT the profile", self.b2core_profile)
        self.step("B2Core: a validation problem", self.b2core_problem)
        self.step("TSS: GET and POST the profile", self.tss_profile)
        self.step("CL2C: PUT the user with the tenant's API key", self.cl2c_user)
        self.step("CL2C: the default error shape (unknown user, wrong key)", self.cl2c_errors)
        self.step("back office: a validation problem parsed into Problem", self.back_office_problem)
        print(
            f"journey: {self.passed} steps passed, {len(self.failures)} failed;"
            f" {self.contract.answers} answers checked against the document"
        )
        for failure in self.failures:
            print(f"  FAILED {failure.splitlines()[0].rstrip(': ')} (see above)")
        return 1 if self.failures else 0


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--base-url", required=True)
    arguments.add_argument("--admin-token", required=True)
    arguments.add_argument("--document", required=True, help="the served /openapi.json, saved")
    options = arguments.parse_args()
    with open(options.document, encoding="utf-8") as document:
        contract = Contract(json.load(document))
    return Journey(options.base_url, options.admin_token, contract).run()


if __name__ == "__main__":
    sys.exit(main())
