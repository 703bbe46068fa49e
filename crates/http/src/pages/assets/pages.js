// Clientele's pages: read the link's secrets from its fragment (or, for links mailed before
// fragments, its query or path), call the JSON API the seeds define, and show its problem
// details as messages. Nothing is stored in the browser and nothing is sent anywhere but to
// this service's own API.
(function () {
  "use strict";
  var page = document.body.getAttribute("data-page");
  var messages = JSON.parse(document.getElementById("messages").textContent);
  var fragment = new URLSearchParams(location.hash.slice(1));
  var query = new URLSearchParams(location.search);
  var tenant = query.get("tenant");
  function secret(name) { return fragment.get(name) || query.get(name) || ""; }
  var identifier = secret("identifier");
  var key = page === "activate" ? secret("secret") : secret("key");
  // The secrets have been read: out of the address bar and the history.
  if (location.hash || query.has("identifier")) {
    history.replaceState(null, "", location.pathname + (tenant ? "?tenant=" + encodeURIComponent(tenant) : ""));
  }
  var status = document.getElementById("status");
  var formError = document.getElementById("form-error");
  var form = document.querySelector("form");

  function say(text) { status.textContent = text; }
  function clearErrors() {
    formError.textContent = "";
    document.querySelectorAll("[data-field]").forEach(function (el) { el.textContent = ""; });
    document.querySelectorAll("input").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }
  function fieldError(name, text) {
    var el = document.querySelector('[data-field="' + name + '"]');
    var input = document.getElementById(name);
    if (!el || !input) { return false; }
    el.textContent = text;
    input.setAttribute("aria-invalid", "true");
    return true;
  }
  function problemMessage(status, problem) {
    var type = (problem && problem.type || "").replace("urn:clientele:problem:", "");
    if (type === "invalid-secret") { return messages.invalid_secret; }
    if (type === "secret-expired" || status === 410) { return messages.secret_expired; }
    if (type === "secret-locked") { return messages.secret_locked; }
    if (type === "rate-limited" || status === 429) { return messages.rate_limited; }
    if (type === "conflict" || status === 409) { return messages.conflict; }
    if (status >= 500) { return messages.unavailable; }
    return (problem && problem.detail) || messages.failed;
  }
  function showProblem(statusCode, problem) {
    var named = false;
    var errors = problem && problem.errors;
    if (errors) {
      Object.keys(errors).forEach(function (field) {
        var text = errors[field].join(" ");
        if (fieldError(field, text)) { named = true; } else { formError.textContent = text; }
      });
      var first = document.querySelector('[aria-invalid="true"]');
      if (first) { first.focus(); }
    }
    if (!named && !formError.textContent) {
      formError.textContent = problemMessage(statusCode, problem);
      status.focus();
    }
  }
  function post(path, body) {
    var headers = { "Content-Type": "application/json" };
    if (tenant) { headers.tenant = tenant; }
    return fetch(path, {
      method: "POST", headers: headers, body: JSON.stringify(body),
      credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer"
    }).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        return { status: response.status, body: json };
      });
    });
  }
  function submitWith(handler) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      say(messages.sending);
      handler().then(function (answer) {
        say("");
        button.disabled = false;
        if (answer) { showProblem(answer.status, answer.body); }
      }, function () {
        say("");
        button.disabled = false;
        formError.textContent = messages.unavailable;
      });
    });
  }
  function done() {
    form.hidden = true;
    var el = document.getElementById("done");
    el.hidden = false;
    el.setAttribute("tabindex", "-1");
    el.focus();
  }
  function base64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    return new TextDecoder().decode(bytes);
  }

  if (page === "activate" || page === "confirm_email") {
    if (!identifier || !key) {
      form.hidden = true;
      formError.textContent = messages.failed;
      say(document.body.getAttribute("data-missing"));
      return;
    }
  }
  if (page === "activate") {
    submitWith(function () {
      var password = document.getElementById("password").value;
      var check = document.getElementById("password_check").value;
      if (password !== check) {
        fieldError("password_check", messages.passwords_differ);
        document.getElementById("password_check").focus();
        return Promise.resolve(null);
      }
      return post("/customers/activate", {
        identifier: identifier, secret: key, password: password, password_check: check
      }).then(function (answer) {
        if (answer.status === 200) { done(); return null; }
        return answer;
      });
    });
  } else if (page === "confirm_email") {
    // Never on load: a mail scanner that follows the link changes nothing.
    submitWith(function () {
      return post("/customers/newemail_confirm", { identifier: identifier, key: key }).then(function (answer) {
        if (answer.status === 200) { done(); return null; }
        return answer;
      });
    });
  } else if (page === "reset") {
    var code = decodeURIComponent(location.pathname.split("/").pop() || "");
    submitWith(function () {
      var email = document.getElementById("email").value;
      return post("/customers/do_reset", { email: email, code: code }).then(function (answer) {
        if (answer.status !== 200 || !answer.body || !answer.body.token) { return answer; }
        // The seed's token: a JWT signed with the code, whose payload is the new passphrase.
        var payload = JSON.parse(base64url(answer.body.token.split(".")[1]));
        document.getElementById("passphrase").value = payload.passphrase;
        done();
        return null;
      });
    });
    document.getElementById("copy").addEventListener("click", function () {
      var field = document.getElementById("passphrase");
      var copied = document.getElementById("copied");
      var ok = function () { copied.textContent = document.body.getAttribute("data-copied"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(ok, function () { field.select(); });
      } else {
        field.select();
      }
    });
  }
})();
