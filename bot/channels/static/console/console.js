/* 维权向导 agent console. Plain JavaScript; all data is inserted with textContent.
 * The token is kept in sessionStorage (gone when the tab closes) and sent as
 * "Authorization: Bearer …", never in the URL.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "complaint-guide:console:token";
  var lastTryId = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function token() {
    try { return window.sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }

  function showTokenState() {
    $("cc-token-state").textContent = token() ? "已设置" : "未设置";
  }

  function pct(value) {
    return typeof value === "number" ? (value * 100).toFixed(1) + "%" : "—";
  }

  function fmt(value) {
    if (value === null || value === undefined) { return "—"; }
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  var MESSAGES = {
    401: "令牌不对或没有填写：请在右上角填写坐席令牌 CONSOLE_TOKEN（不是 HTTP API 的令牌）。",
    404: "没有找到这个对话。",
    503: "控制台不可用：",
    413: "请求太大，请把内容分几次发送。"
  };

  function api(method, path, body) {
    var headers = { "Authorization": "Bearer " + token() };
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      var type = res.headers.get("content-type") || "";
      var parse = type.indexOf("application/json") === 0 ? res.json() : res.text();
      return parse.then(function (data) {
        if (!res.ok) {
          var detail = data && data.detail ? data.detail : "";
          var text = MESSAGES[res.status] || ("出错了（" + res.status + "）：");
          if (res.status === 503 || !MESSAGES[res.status]) { text += detail; }
          throw new Error(text);
        }
        return data;
      });
    });
  }

  function showError(id, message) {
    var box = $(id);
    box.textContent = message;
    box.hidden = !message;
  }

  function row(cells, className) {
    var tr = el("tr", null, className);
    cells.forEach(function (cell) {
      var td = el("td");
      if (cell instanceof Node) { td.appendChild(cell); } else { td.textContent = fmt(cell); }
      tr.appendChild(td);
    });
    return tr;
  }

  function emptyRow(tbody, columns) {
    var tr = el("tr");
    var td = el("td", "（无）", "cc-muted");
    td.colSpan = columns;
    tr.appendChild(td);
    tbody.appendChild(tr);
  }

  // --- try a message -----------------------------------------------------------------

  // The rule-book entry behind the answer, its sources and dated limits, and the polite
  // and firm drafts side by side (all text set with textContent).
  function renderCase(view) {
    var box = $("cc-case");
    clear(box);
    if (!view) { box.appendChild(el("p", "（当前没有案子）", "cc-muted")); return; }
    box.appendChild(el("p", view.case + " · " + view.entry + " · 当前一步：" + view.rung));
    box.appendChild(el("p", view.summary, "cc-muted"));
    var cited = el("ul", null, "cc-citations");
    (view.citations || []).forEach(function (line) { cited.appendChild(el("li", line)); });
    box.appendChild(el("p", "来源："));
    box.appendChild(cited);
    var limits = el("ul");
    (view.deadlines || []).forEach(function (line) { limits.appendChild(el("li", line)); });
    box.appendChild(limits);
    var pair = el("div", null, "cc-drafts");
    [["polite", "客气"], ["firm", "强硬"]].forEach(function (tone) {
      var column = el("div", null, "cc-draft");
      column.appendChild(el("h4", tone[1] + "（写给 " + view.addressee + "）"));
      column.appendChild(el("pre", view.drafts[tone[0]]));
      pair.appendChild(column);
    });
    box.appendChild(pair);
  }

  // The case state: each fact, the user turn it came from, and the limits it dated.
  function renderState(state) {
    var body = $("cc-state");
    clear(body);
    var head = $("cc-state-head");
    if (!state || !state.case_type) {
      head.textContent = "（当前没有案子）";
      emptyRow(body, 4);
      return;
    }
    head.textContent = state.case + "（" + state.case_type + "）· 角色：" + (state.role || "未知") +
      " · 第" + state.opened_turn + "句开始 · 共" + state.turns + "句";
    if (!(state.facts || []).length) { emptyRow(body, 4); return; }
    state.facts.forEach(function (fact) {
      body.appendChild(row([fact.fact, fact.value, fact.turn, (fact.dates || []).join("；")]));
    });
  }

  function renderTry(data) {
    lastTryId = data.conversation_id;
    $("cc-try-id").textContent = data.conversation_id;
    $("cc-conv-id").value = data.conversation_id;

    var ranking = $("cc-ranking");
    clear(ranking);
    (data.intent_ranking || []).forEach(function (item, index) {
      var cell = el("span");
      var bar = el("span", null, "cc-bar");
      bar.style.width = Math.max(2, Math.round((item.confidence || 0) * 120)) + "px";
      cell.appendChild(bar);
      cell.appendChild(document.createTextNode(pct(item.confidence)));
      ranking.appendChild(row([item.name, cell], index === 0 ? "cc-top" : ""));
    });
    if (!ranking.firstChild && data.intent) {
      ranking.appendChild(row([data.intent.name, pct(data.intent.confidence)], "cc-top"));
    }
    if (!ranking.firstChild) { emptyRow(ranking, 2); }

    var entities = $("cc-entities");
    clear(entities);
    (data.entities || []).forEach(function (e) {
      entities.appendChild(row([e.entity, e.value, e.extractor || ""]));
    });
    if (!entities.firstChild) { emptyRow(entities, 3); }

    var actions = $("cc-actions");
    clear(actions);
    (data.actions || []).forEach(function (a) {
      var li = el("li");
      li.appendChild(el("code", a.name));
      if (a.policy) {
        li.appendChild(document.createTextNode("  " + a.policy + " " + pct(a.confidence)));
      }
      actions.appendChild(li);
    });
    if (!actions.firstChild) { actions.appendChild(el("li", "（无）", "cc-muted")); }

    var slots = $("cc-slots");
    clear(slots);
    Object.keys(data.slots || {}).forEach(function (name) {
      slots.appendChild(row([name, data.slots[name]]));
    });
    if (!slots.firstChild) { emptyRow(slots, 2); }

    var replies = $("cc-replies");
    clear(replies);
    (data.replies || []).forEach(function (reply) {
      var custom = reply.custom || null;
      var shown = reply.text || (custom && custom.case_file
        ? "（附件：案件材料 PDF，用页面下方“下载案件材料（PDF）”下载）"
        : (custom ? JSON.stringify(custom) : ""));
      var box = el("div", shown, "cc-reply");
      if (reply.buttons && reply.buttons.length) {
        var chips = el("div", null, "cc-reply-buttons");
        reply.buttons.forEach(function (b) {
          var chip = el("span", b.title, "cc-chip");
          chip.title = b.payload;
          chips.appendChild(chip);
        });
        box.appendChild(chips);
      }
      replies.appendChild(box);
    });
    if (!replies.firstChild) { replies.appendChild(el("p", "（没有回复）", "cc-muted")); }
    renderCase(data.case);
    renderState(data.state);
    $("cc-try-result").hidden = false;
  }

  $("cc-try-form").addEventListener("submit", function (event) {
    event.preventDefault();
    // One line is one message; a pasted conversation (several lines) is sent line by line
    // into the same try-out conversation, and the last turn is shown.
    var lines = $("cc-try-text").value.split(/\r?\n/).map(function (line) {
      return line.trim();
    }).filter(function (line) { return line.length > 0; });
    if (!lines.length) { return; }
    var button = event.target.querySelector("button");
    button.disabled = true;
    showError("cc-try-error", "");
    var chain = Promise.resolve();
    lines.forEach(function (line, index) {
      chain = chain.then(function () {
        var body = { message: line };
        if ((index > 0 || $("cc-try-continue").checked) && lastTryId) { body.sender = lastTryId; }
        return api("POST", "try", body).then(renderTry);
      });
    });
    chain.catch(function (error) {
      showError("cc-try-error", error.message);
    }).then(function () { button.disabled = false; });
  });

  $("cc-try-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("cc-try-form").querySelector("button").click();
    }
  });

  // --- look up a conversation --------------------------------------------------------

  function describe(event) {
    var li = el("li");
    var tags = { user: "用户", bot: "助手", action: "动作", slot: "槽位" };
    var kind = tags[event.type] ? event.type : "other";
    li.appendChild(el("span", tags[event.type] || event.type, "cc-tag cc-tag-" + kind));
    var text = "";
    var upload = event.type === "user" ? uploadOf(event) : null;
    if (upload) {
      li.appendChild(uploadPreview(upload));
      text = "[图片] " + upload.name + "（" + upload.kind + "）  读到：" + (upload.text || "—");
    } else if (event.type === "user") {
      text = event.text || "";
      if (event.intent) { text += "  → " + event.intent.name + " " + pct(event.intent.confidence); }
      if (event.entities && event.entities.length) {
        text += "  [" + event.entities.map(function (e) { return e.entity + "=" + fmt(e.value); }).join(", ") + "]";
      }
    } else if (event.type === "bot") {
      text = event.text || "";
      if (event.buttons && event.buttons.length) { text += "  [" + event.buttons.join(" | ") + "]"; }
    } else if (event.type === "action") {
      text = event.name + (event.policy ? "  " + event.policy + " " + pct(event.confidence) : "");
    } else if (event.type === "slot") {
      text = event.name + " = " + fmt(event.value);
    } else if (event.type === "form") {
      text = "表单 " + fmt(event.name);
    }
    li.appendChild(document.createTextNode(text));
    return li;
  }

  // An upload turn's entities: the image's id, name and kind and the text read from it.
  function uploadOf(event) {
    var values = {};
    (event.entities || []).forEach(function (e) { values[e.entity] = e.value; });
    if (!values.upload_id) { return null; }
    return { id: values.upload_id, name: values.upload_name || "", kind: values.upload_kind || "",
             text: values.upload_text || "" };
  }

  // The image itself, fetched with the token (never in the URL) and shown from a blob URL.
  function uploadPreview(upload) {
    var img = el("img", null, "cc-upload");
    img.alt = "上传的图片：" + upload.name;
    var path = conversationPath("/uploads/" + encodeURIComponent(upload.id));
    if (path) {
      fetch(path, { headers: { "Authorization": "Bearer " + token() }, credentials: "same-origin" })
        .then(function (res) {
          if (!res.ok) { throw new Error("missing"); }
          return res.blob();
        }).then(function (blob) { img.src = URL.createObjectURL(blob); },
                function () { img.alt += "（已删除）"; });
    }
    return img;
  }

  function conversationPath(suffix) {
    var id = $("cc-conv-id").value.trim();
    return id ? "conversation/" + encodeURIComponent(id) + (suffix || "") : null;
  }

  $("cc-conv-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var path = conversationPath("");
    if (!path) { return; }
    showError("cc-conv-error", "");
    api("GET", path).then(function (data) {
      var slots = $("cc-conv-slots");
      clear(slots);
      Object.keys(data.slots || {}).forEach(function (name) {
        slots.appendChild(row([name, data.slots[name]]));
      });
      if (!slots.firstChild) { emptyRow(slots, 2); }
      var list = $("cc-conv-events");
      clear(list);
      (data.events || []).forEach(function (e) { list.appendChild(describe(e)); });
      $("cc-conv-result").hidden = false;
    }, function (error) {
      $("cc-conv-result").hidden = true;
      showError("cc-conv-error", error.message);
    });
  });

  // A file behind the token (a test story, a case file PDF), saved under ``name``.
  function download(path, name) {
    showError("cc-conv-error", "");
    fetch(path, { headers: { "Authorization": "Bearer " + token() }, credentials: "same-origin" })
      .then(function (res) {
        if (res.ok) { return res.blob(); }
        return res.json().then(function (data) {
          throw new Error((MESSAGES[res.status] || ("出错了（" + res.status + "）：")) +
                          (data && data.detail ? data.detail : ""));
        }, function () { throw new Error("出错了（" + res.status + "）"); });
      })
      .then(function (blob) {
        var link = el("a");
        link.href = URL.createObjectURL(blob);
        link.download = name;
        document.body.appendChild(link);
        link.click();
        document.body.removeChild(link);
        window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      }, function (error) { showError("cc-conv-error", error.message); });
  }

  function safeName(extension) {
    return $("cc-conv-id").value.trim().replace(/[^A-Za-z0-9_.-]/g, "_") + extension;
  }

  $("cc-story").addEventListener("click", function () {
    var path = conversationPath("/story");
    if (path) { download(path, safeName(".yml")); }
  });

  $("cc-case-file").addEventListener("click", function () {
    var path = conversationPath("/case-file.pdf");
    if (path) { download(path, safeName(".pdf")); }
  });

  $("cc-calendar").addEventListener("click", function () {
    var path = conversationPath("/calendar.ics");
    if (path) { download(path, safeName(".ics")); }
  });

  // --- token -------------------------------------------------------------------------

  $("cc-token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    try { window.sessionStorage.setItem(TOKEN_KEY, $("cc-token").value.trim()); } catch (e) { /* ignore */ }
    $("cc-token").value = "";
    showTokenState();
  });

  showTokenState();
})();
