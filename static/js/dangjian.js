/*
 * Dangjian UI shell behaviour. Plain ES5-level JavaScript (old WeChat/WeCom in-app browsers),
 * no build step, no external script. Loaded by base.html after bootstrap.bundle and htmx.
 *
 * CONVENTIONS FOR EVERY APP
 *
 * CSRF      <body hx-headers> sends X-CSRFToken with every htmx request. Plain forms still need
 *           {% csrf_token %}.
 *
 * Loading   <body hx-indicator="#dj-loading">: a thin bar at the top of the page shows while any
 *           htmx request slower than 200 ms runs. Put hx-indicator on an element to show your own
 *           spinner instead; the element that issued the request carries aria-busy="true".
 *
 * Errors    If an htmx request fails (4xx/5xx, network down, timeout) a Chinese toast explains
 *           what happened, instead of nothing happening. Add data-dj-silent to the element (or
 *           an ancestor) when you handle htmx:responseError yourself.
 *           Form validation: answer 422 with the re-rendered form; it IS swapped in like a 200
 *           (htmx does not swap 4xx by default), and no error toast is shown.
 *           If the session has expired, the server's redirect to the sign-in page would be swapped
 *           into a fragment; instead the whole page goes to the sign-in page.
 *
 * Confirm   data-confirm="确定删除该记录吗？" on a <form>, a submit <button>, an <a>, or any htmx
 *           element asks in a Bootstrap dialog before going ahead ("Cancel" is focused). An empty
 *           data-confirm uses a generic question. hx-confirm is shown in the same dialog.
 *           Optional data-confirm-ok="删除" renames the confirm button.
 *
 * Toasts    From the server: the response header  HX-Trigger: {"dj:toast": {"message": "已保存",
 *           "level": "success"}}  (level: success | info | warning | danger). From scripts:
 *           dangjian.toast("已保存", "success").  dangjian.confirm(text) returns a Promise<bool>.
 *
 * The Chinese texts come from translated data-* attributes in templates/partials/ui_widgets.html.
 */
(function () {
  "use strict";

  var body = document.body;

  function text(name, fallback) {
    var box = document.getElementById("dj-toasts");
    return (box && box.getAttribute("data-msg-" + name)) || fallback;
  }

  // ---- toasts ---------------------------------------------------------------------------
  var ICONS = {
    success: "bi-check-circle-fill",
    info: "bi-info-circle-fill",
    warning: "bi-exclamation-triangle-fill",
    danger: "bi-x-circle-fill"
  };

  function toast(message, level) {
    level = ICONS[level] ? level : "danger";
    var box = document.getElementById("dj-toasts");
    if (!box) {
      window.alert(message);
      return;
    }
    var el = document.createElement("div");
    el.className = "toast dj-toast dj-toast-" + level + " align-items-center border-0";
    el.setAttribute("role", level === "danger" || level === "warning" ? "alert" : "status");
    el.setAttribute("aria-atomic", "true");
    var row = document.createElement("div");
    row.className = "d-flex";
    var msg = document.createElement("div");
    msg.className = "toast-body d-flex gap-2 align-items-start";
    var icon = document.createElement("i");
    icon.className = "bi " + ICONS[level];
    icon.setAttribute("aria-hidden", "true");
    var span = document.createElement("span");
    span.textContent = message; // never innerHTML: messages may echo user input
    msg.appendChild(icon);
    msg.appendChild(span);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", text("close", "关闭"));
    row.appendChild(msg);
    row.appendChild(close);
    el.appendChild(row);
    box.appendChild(el);
    el.addEventListener("hidden.bs.toast", function () {
      el.parentNode && el.parentNode.removeChild(el);
    });
    // At most three at once, so a burst of failures cannot cover a phone screen.
    while (box.children.length > 3) box.removeChild(box.firstChild);
    if (window.bootstrap && window.bootstrap.Toast) {
      // Problems stay longer (12 s) than good news (6 s); both have a close button.
      var delay = level === "success" || level === "info" ? 6000 : 12000;
      window.bootstrap.Toast.getOrCreateInstance(el, { autohide: true, delay: delay }).show();
    } else {
      el.classList.add("show");
    }
  }

  // ---- confirmation dialog --------------------------------------------------------------
  function confirmDialog(question, okLabel) {
    var modalEl = document.getElementById("dj-confirm");
    question = question || (modalEl && modalEl.getAttribute("data-default-text")) || "确定要执行此操作吗？";
    if (!modalEl || !window.bootstrap || !window.bootstrap.Modal) {
      return Promise.resolve(window.confirm(question));
    }
    return new Promise(function (resolve) {
      var okButton = modalEl.querySelector("[data-dj-confirm-ok]");
      var cancelButton = modalEl.querySelector(".modal-footer [data-bs-dismiss]");
      if (!okButton.getAttribute("data-default-label")) {
        okButton.setAttribute("data-default-label", okButton.textContent);
      }
      okButton.textContent = okLabel || okButton.getAttribute("data-default-label");
      document.getElementById("dj-confirm-text").textContent = question;
      var modal = window.bootstrap.Modal.getOrCreateInstance(modalEl);
      var answered = false;
      function onOk() {
        answered = true;
        modal.hide();
      }
      function onShown() {
        cancelButton && cancelButton.focus(); // the safe choice is the default one
      }
      function onHidden() {
        okButton.removeEventListener("click", onOk);
        modalEl.removeEventListener("shown.bs.modal", onShown);
        modalEl.removeEventListener("hidden.bs.modal", onHidden);
        resolve(answered);
      }
      okButton.addEventListener("click", onOk);
      modalEl.addEventListener("shown.bs.modal", onShown);
      modalEl.addEventListener("hidden.bs.modal", onHidden);
      modal.show();
    });
  }

  function confirmOf(el) {
    return el && el.hasAttribute && el.hasAttribute("data-confirm") ? el : null;
  }

  // Plain (non-htmx) forms: data-confirm on the form or on the submit button pressed.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) return; // htmx already took this submit over (htmx:confirm below)
    var submitter = event.submitter || null;
    var source = confirmOf(submitter) || confirmOf(form);
    if (!source) return;
    if (form.getAttribute("data-dj-confirmed") === "1") {
      form.removeAttribute("data-dj-confirmed");
      return;
    }
    event.preventDefault();
    confirmDialog(source.getAttribute("data-confirm"), source.getAttribute("data-confirm-ok"))
      .then(function (ok) {
        if (!ok) return;
        form.setAttribute("data-dj-confirmed", "1");
        if (form.requestSubmit) {
          form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
        } else {
          if (submitter && submitter.name) {
            var hidden = document.createElement("input");
            hidden.type = "hidden";
            hidden.name = submitter.name;
            hidden.value = submitter.value;
            form.appendChild(hidden);
          }
          form.submit();
        }
      });
  });

  // Plain links: <a href="…" data-confirm="…">.
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    var link = event.target.closest ? event.target.closest("a[data-confirm][href]") : null;
    if (!link) return;
    event.preventDefault();
    confirmDialog(link.getAttribute("data-confirm"), link.getAttribute("data-confirm-ok"))
      .then(function (ok) {
        if (ok) window.location.href = link.href;
      });
  });

  window.dangjian = { toast: toast, confirm: confirmDialog };

  // ---- htmx ---------------------------------------------------------------------------
  if (!window.htmx) return;

  // htmx elements: data-confirm or hx-confirm, shown in the same dialog.
  body.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var source = confirmOf(elt);
    var question = source ? source.getAttribute("data-confirm") : event.detail.question;
    if (!source && !event.detail.question) return;
    event.preventDefault();
    confirmDialog(question, elt.getAttribute("data-confirm-ok")).then(function (ok) {
      if (ok) event.detail.issueRequest(true); // true: skip htmx's own window.confirm
    });
  });

  body.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.elt.setAttribute("aria-busy", "true");
  });
  body.addEventListener("htmx:afterRequest", function (event) {
    event.detail.elt.removeAttribute("aria-busy");
  });

  function silent(elt) {
    return elt && elt.closest && elt.closest("[data-dj-silent]");
  }

  body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 422) {
      // Django form re-rendered with field errors.
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    // A full page (e.g. the sign-in page after a session timeout) must not land in a fragment.
    var target = event.detail.target;
    var elt = event.detail.elt;
    var wantsFullPage = elt && elt.closest && elt.closest("[hx-select],[data-hx-select],[hx-boost]");
    if (
      xhr.status < 300 &&
      !wantsFullPage &&
      target !== body &&
      /<body[^>]*\bclass="dj-body/.test(xhr.responseText || "") &&
      xhr.responseURL &&
      xhr.responseURL.split("#")[0] !== window.location.href.split("#")[0]
    ) {
      event.detail.shouldSwap = false;
      window.location.href = xhr.responseURL;
    }
  });

  body.addEventListener("htmx:responseError", function (event) {
    if (silent(event.detail.elt)) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var key = status === 403 || status === 401 ? "forbidden" : status === 404 ? "not-found" : "error";
    toast(text(key, "操作失败，请稍后重试。"), "danger");
  });

  body.addEventListener("htmx:sendError", function (event) {
    if (silent(event.detail.elt)) return;
    toast(text("network", "无法连接服务器，请检查网络后重试。"), "danger");
  });

  body.addEventListener("htmx:timeout", function (event) {
    if (silent(event.detail.elt)) return;
    toast(text("timeout", "服务器响应超时，请稍后重试。"), "warning");
  });

  // Server-sent toasts: HX-Trigger: {"dj:toast": {"message": "...", "level": "success"}}
  body.addEventListener("dj:toast", function (event) {
    var detail = event.detail || {};
    var message = detail.message || detail.value;
    if (message) toast(String(message), detail.level || "info");
  });
})();
