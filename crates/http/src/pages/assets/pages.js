// Clientele's pages: read the link's secrets from its fragment (or, for links mailed before
// fragments, its query; the reset code from the path, as the seed has it), call the JSON API
// the seeds define, and show its problem details as messages. Nothing is stored in the browser
// and nothing is sent anywhere but to this service's own API.
(function () {
  "use strict";
  var body = document.body;
  var page = body.getAttribute("data-page");
  var messages = JSON.parse(document.getElementById("messages").textContent);
  var fragment = new URLSearchParams(location.hash.slice(1));
  var query = new URLSearchParams(location.search);
  var tenant = query.get("tenant");
  // What a tenant id can be (as the service checks it): anything else is a broken link.
  var tenantOk = !tenant || /^[a-z0-9_-]{1,64}$/.test(tenant);
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
  var button = form.querySelector("button[type=submit]");
  // Fields the API may name that are not on the page: the link's own parts.
  var LINK_FIELDS = ["identifier", "secret", "key", "code", "uuid"];
  var busy = false;
  // The API speaks English; the page says its field messages in its own language.
  var said = {};
  (messages.fields || []).forEach(function (pair) { said[pair[0]] = pair[1]; });
  function inPageLanguage(text) { return said[text] || text; }

  function say(text) { status.textContent = text; }
  function clearErrors() {
    formError.textContent = "";
    document.querySelectorAll("[data-field]").forEach(function (el) { el.textContent = ""; });
    document.querySelectorAll("input").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }
  function fieldError(name, text) {
    var input = document.getElementById(name);
    var el = document.getElementById(name + "-error");
    if (!input || !el || !el.hasAttribute("data-field")) { return false; }
    el.textContent = el.textContent ? el.textContent + " " + text : text;
    input.setAttribute("aria-invalid", "true");
    return true;
  }
  function formMessage(text) {
    formError.textContent = text;
    formError.focus();
  }
  function problemMessage(statusCode, problem) {
    var type = (problem && problem.type || "").replace("urn:clientele:problem:", "");
    if (type === "invalid-secret") { return page === "reset" ? messages.reset_refused : messages.invalid_secret; }
    if (type === "secret-expired" || statusCode === 410) { return messages.secret_expired; }
    if (type === "secret-locked") { return messages.secret_locked; }
    if (statusCode === 429) { return messages.rate_limited; }
    if (statusCode === 409) { return messages.conflict; }
    // An unknown tenant, or a link that is not this service's.
    if (statusCode === 401) { return messages.invalid_secret; }
    if (statusCode >= 500) { return messages.unavailable; }
    return messages.failed;
  }
  function showProblem(statusCode, problem) {
    var errors = problem && problem.errors;
    var general = [];
    if (errors && typeof errors === "object") {
      Object.keys(errors).forEach(function (field) {
        var text = [].concat(errors[field]).map(inPageLanguage).join(" ");
        if (LINK_FIELDS.indexOf(field) >= 0) {
          general.push(messages.invalid_secret);
        } else if (!fieldError(field, text)) {
          general.push(text);
        }
      });
    }
    var first = document.querySelector('[aria-invalid="true"]');
    if (general.length) {
      formMessage(general.filter(function (t, i) { return general.indexOf(t) === i; }).join(" "));
    } else if (first) {
      first.focus();
    } else {
      if (page === "reset" && problem && problem.type === "urn:clientele:problem:invalid-secret") {
        // Most often a typo in the address: said at the field, which takes the focus.
        fieldError("email", messages.reset_refused);
        document.getElementById("email").focus();
        return;
      }
      formMessage(problemMessage(statusCode, problem));
    }
  }
  function post(path, data) {
    var headers = { "Content-Type": "application/json" };
    if (tenant) { headers.tenant = tenant; }
    return fetch(path, {
      method: "POST", headers: headers, body: JSON.stringify(data),
      credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer"
    }).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        return { status: response.status, body: json };
      });
    });
  }
  // The handler answers a problem to show, or nothing when the page is done.
  function submitWith(handler) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      clearErrors();
      button.setAttribute("aria-disabled", "true");
      say(messages.sending);
      var settle = function () { busy = false; button.removeAttribute("aria-disabled"); say(""); };
      var answered;
      try {
        answered = handler();
      } catch (e) {
        settle();
        formMessage(messages.failed);
        return;
      }
      answered.then(function (answer) {
        settle();
        if (answer) { showProblem(answer.status, answer.body); }
      }, function () {
        settle();
        formMessage(messages.unavailable);
      });
    });
    button.disabled = false;
  }
  function done() {
    form.hidden = true;
    var el = document.getElementById("done");
    el.hidden = false;
    el.setAttribute("tabindex", "-1");
    el.focus();
  }
  function notice(text) {
    form.hidden = true;
    var el = document.getElementById("missing");
    el.textContent = text;
    el.hidden = false;
    el.focus();
  }
  function missingLink() { notice(body.getAttribute("data-missing")); }
  function base64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    return new TextDecoder().decode(bytes);
  }

  if (!tenantOk || ((page === "activate" || page === "confirm_email") && (!identifier || !key))) {
    missingLink();
    return;
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
    var code = "";
    try { code = decodeURIComponent(location.pathname.split("/").pop() || ""); } catch (e) { code = ""; }
    if (!code) { missingLink(); return; }
    submitWith(function () {
      var email = document.getElementById("email").value;
      return post("/customers/do_reset", { email: email, code: code }).then(function (answer) {
        if (answer.status !== 200) { return answer; }
        // The seed's token: a JWT signed with the code, whose payload is the new passphrase.
        // The password is reset now and the code used: whatever happens, say so.
        var passphrase = "";
        try { passphrase = JSON.parse(base64url(answer.body.token.split(".")[1])).passphrase || ""; } catch (e) { passphrase = ""; }
        if (!passphrase) {
          notice(messages.reset_unreadable);
          return null;
        }
        document.getElementById("passphrase").value = passphrase;
        done();
        return null;
      });
    });
    document.getElementById("copy").addEventListener("click", function () {
      var field = document.getElementById("passphrase");
      var copied = document.getElementById("copied");
      copied.textContent = "";
      var announce = function (text) { setTimeout(function () { copied.textContent = text; }, 50); };
      var fallback = function () {
        field.focus();
        field.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        announce(ok ? body.getAttribute("data-copied") : messages.copy_by_hand);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(function () { announce(body.getAttribute("data-copied")); }, fallback);
      } else {
        fallback();
      }
    });
  }
})();
