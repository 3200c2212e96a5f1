extension HTMLReport {
    /// The page's behaviour: filters, paging of long lists, and drawing a transcript the first time
    /// its run is opened. Text from transcripts only ever goes through `textContent`.
    static let script = #"""
        (function () {
          "use strict";
          var PAGE = 200;
          var runs = Array.prototype.slice.call(document.querySelectorAll("details.run"));
          var state = { outcome: "all", key: "", flow: "", flaky: false, text: "", limit: PAGE };
          var shown = document.getElementById("f-shown");
          var more = document.getElementById("f-more");
          var none = document.getElementById("f-none");
          var keySelect = document.getElementById("f-key");
          var flakyBox = document.getElementById("f-flaky");
          var search = document.getElementById("f-text");
          var flowChip = document.getElementById("f-flow");

          function matches(run) {
            var d = run.dataset;
            if (state.outcome !== "all" && d.outcome !== state.outcome) return false;
            if (state.key && d.keys.indexOf("\t" + state.key + "\t") < 0) return false;
            if (state.flow && d.flow !== state.flow) return false;
            if (state.flaky && !d.flaky) return false;
            if (state.text && d.search.indexOf(state.text) < 0) return false;
            return true;
          }

          function apply() {
            var matched = 0, visible = 0;
            for (var i = 0; i < runs.length; i++) {
              var run = runs[i];
              var ok = matches(run);
              if (ok) matched++;
              var show = ok && visible < state.limit;
              if (show) visible++;
              run.hidden = !show;
            }
            if (shown) {
              var text = matched === runs.length ? "" : matched + " of " + runs.length + " match";
              if (visible < matched) text += (text ? ", " : "") + visible + " of " + matched + " shown";
              shown.textContent = text || runs.length + " shown";
            }
            if (more) {
              more.hidden = visible >= matched;
              more.textContent = "Show " + Math.min(PAGE, matched - visible) + " more of " + (matched - visible);
            }
            if (none) none.hidden = matched > 0 || runs.length === 0;
          }

          function reset() { state.limit = PAGE; apply(); }

          var outcomeButtons = Array.prototype.slice.call(document.querySelectorAll(".seg button[data-outcome]"));
          function chooseOutcome(value) {
            state.outcome = value;
            outcomeButtons.forEach(function (b) {
              var on = b.dataset.outcome === value;
              b.classList.toggle("on", on);
              b.setAttribute("aria-pressed", on ? "true" : "false");
            });
          }
          outcomeButtons.forEach(function (button) {
            button.addEventListener("click", function () { chooseOutcome(button.dataset.outcome); reset(); });
          });
          if (keySelect) keySelect.addEventListener("change", function () { state.key = keySelect.value; reset(); });
          if (flakyBox) flakyBox.addEventListener("change", function () { state.flaky = flakyBox.checked; reset(); });
          if (search) {
            var timer = null;
            search.addEventListener("input", function () {
              clearTimeout(timer);
              timer = setTimeout(function () { state.text = search.value.trim().toLowerCase(); reset(); }, 120);
            });
          }
          if (more) more.addEventListener("click", function () { state.limit += PAGE; apply(); });
          if (flowChip) flowChip.addEventListener("click", function () { state.flow = ""; flowChip.hidden = true; \#
          reset(); });
          Array.prototype.forEach.call(document.querySelectorAll(".flow-link"), function (link) {
            link.addEventListener("click", function () {
              // Every run of the flow: the other filters would hide some.
              chooseOutcome("all");
              state.key = ""; state.flaky = false; state.text = "";
              if (keySelect) keySelect.value = "";
              if (flakyBox) flakyBox.checked = false;
              if (search) search.value = "";
              state.flow = link.dataset.flow;
              if (flowChip) { flowChip.textContent = "flow: " + state.flow + "  \u00d7"; flowChip.hidden = false; }
              reset();
              var target = document.getElementById("runs");
              if (target) target.scrollIntoView({ behavior: "smooth", block: "start" });
            });
          });

          var flowTable = document.querySelector("table.flows");
          var allFlows = document.getElementById("flows-all");
          if (flowTable && allFlows) {
            flowTable.classList.add("folded");
            allFlows.hidden = false;
            allFlows.addEventListener("click", function () { flowTable.classList.remove("folded"); allFlows.hidden = \#
            true; });
          }

          function el(tag, cls, text) {
            var e = document.createElement(tag);
            if (cls) e.className = cls;
            if (text !== undefined && text !== null) e.textContent = String(text);
            return e;
          }

          function ms(v) {
            if (v === undefined || v === null) return "";
            if (v < 1) return "<1 ms";
            if (v < 1000) return Math.round(v) + " ms";
            if (v < 10000) return (v / 1000).toFixed(2) + " s";
            if (v < 60000) return (v / 1000).toFixed(1) + " s";
            var s = Math.round(v / 1000);
            return Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s";
          }

          function turn(t) {
            var box = el("div", "msg " + t.role + (t.simulated ? " sim" : ""));
            var who = el("div", "who");
            var role = t.role === "user" ? (t.simulated ? "Simulated user" : "User") : t.role === "agent" ? "Agent" : \#
            "Event";
            who.appendChild(el("span", "role", role));
            if (t.latency !== undefined) {
              var lat = "reply " + ms(t.latency);
              if (t.first_chunk !== undefined) lat += " · first chunk " + ms(t.first_chunk);
              who.appendChild(el("span", "lat", lat));
            }
            if (t.at !== undefined) who.appendChild(el("span", "at", "+" + t.at.toFixed(2) + " s"));
            box.appendChild(who);
            var parts = t.messages && t.messages.length > 1 ? t.messages : [t.text];
            for (var i = 0; i < parts.length; i++) box.appendChild(el("div", "bubble", parts[i]));
            if (t.events && t.events.length) box.appendChild(el("div", "events", t.events.join(" · ")));
            if (t.actions && t.actions.length) {
              var acts = el("ol", "actions");
              for (var a = 0; a < t.actions.length; a++) acts.appendChild(el("li", "act act-" + t.actions[a][0], \#
              t.actions[a][1]));
              box.appendChild(acts);
            }
            if (t.verdicts && t.verdicts.length) box.appendChild(verdicts(t.verdicts));
            if (t.completed) box.appendChild(el("div", "events", "the agent ended the conversation"));
            if (t.candidates && t.candidates.length) {
              var c = el("details", "cands");
              c.appendChild(el("summary", null, t.candidates.length + " candidate" + (t.candidates.length === 1 ? "" \#
              : "s") + " offered"));
              var list = el("ol");
              var chosen = false;
              for (var j = 0; j < t.candidates.length; j++) {
                var pick = !chosen && t.candidates[j] === t.text;
                if (pick) chosen = true;
                list.appendChild(el("li", pick ? "chosen" : null, t.candidates[j]));
              }
              c.appendChild(list);
              box.appendChild(c);
            }
            return box;
          }

          function verdicts(list) {
            var box = el("ul", "verdicts");
            for (var v = 0; v < list.length; v++) {
              var li = el("li", "vd vd-" + list[v][0].split(" ")[0]);
              li.appendChild(el("span", "vd-word", list[v][0]));
              li.appendChild(el("span", "criterion", list[v][1]));
              li.appendChild(el("span", "reasoning", list[v][2]));
              box.appendChild(li);
            }
            return box;
          }

          var ICONS = { passed: "\u2713", failed: "\u2717", error: "!", skipped: "\u2013" };
          function step(s) {
            var row = el("div", "step st-" + s.status);
            row.title = s.status;
            row.appendChild(el("span", "icon", ICONS[s.status] || "\u00b7"));
            row.appendChild(el("span", "kind", s.step));
            row.appendChild(el("code", "loc", s.location));
            if (s.detail) row.appendChild(el("span", "detail", s.detail));
            if (s.status === "skipped") row.appendChild(el("span", "detail", "skipped"));
            if (s.duration !== undefined) row.appendChild(el("span", "dur", ms(s.duration)));
            if (s.verdicts && s.verdicts.length) row.appendChild(verdicts(s.verdicts));
            return row;
          }

          function render(run) {
            var box = run.querySelector(".transcript");
            var source = document.getElementById("t-" + run.dataset.i);
            var data;
            try { data = JSON.parse(source ? source.textContent : "null"); } catch (e) { data = null; }
            var out = document.createDocumentFragment();
            if (!data) {
              out.appendChild(el("p", "unavailable", "The transcript could not be read."));
            } else if (data.unavailable) {
              out.appendChild(el("p", "unavailable", "Transcript unavailable: " + data.unavailable));
            } else {
              var meta = el("dl", "meta-grid");
              var fields = [["conversation", data.conversation], ["target", data.target], ["opening", data.opening], \#
              ["started", data.started]];
              if (data.tags) fields.push(["tags", data.tags.map(function (t) { return t[0] + "=" + t[1]; }).join(", \#
              ")]);
              fields.forEach(function (f) {
                if (!f[1]) return;
                var pair = el("div");
                pair.appendChild(el("dt", null, f[0]));
                pair.appendChild(el("dd", null, f[1]));
                meta.appendChild(pair);
              });
              out.appendChild(meta);
              if (data.notes) {
                var notes = el("ul", "notes");
                data.notes.forEach(function (n) { notes.appendChild(el("li", null, n)); });
                out.appendChild(notes);
              }
              var chat = el("div", "chat");
              (data.items || []).forEach(function (item) { chat.appendChild(item.step ? step(item) : turn(item)); });
              out.appendChild(chat);
            }
            box.textContent = "";
            box.appendChild(out);
            run.dataset.rendered = "1";
          }

          document.addEventListener("toggle", function (event) {
            var run = event.target;
            if (run && run.classList && run.classList.contains("run") && run.open && !run.dataset.rendered) render(run);
          }, true);

          // Clicks on the failure details select text instead of folding the run.
          Array.prototype.forEach.call(document.querySelectorAll("details.run .failure"), function (f) {
            f.addEventListener("click", function (event) { if (window.getSelection().toString()) \#
            event.preventDefault(); });
          });

          if (location.hash) {
            var target = document.getElementById(location.hash.slice(1));
            if (target && target.classList.contains("run")) {
              state.limit = Math.max(PAGE, Number(target.dataset.i) + 1);
              target.open = true;
              render(target);
            }
          }
          apply();
        })();
        """#
}
