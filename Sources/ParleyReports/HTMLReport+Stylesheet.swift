extension HTMLReport {
    /// The page's styles: system fonts only (nothing to fetch), light and dark schemes.
    static let stylesheet = #"""
        :root {
          --bg: #f4f5f7; --panel: #ffffff; --text: #1f2328; --muted: #656d76; --faint: #8c959f;
          --line: #d9dee4; --soft: #f6f8fa; --accent: #0969da; --accent-soft: #ddf4ff;
          --pass: #1a7f37; --pass-soft: #dafbe1; --fail: #cf222e; --fail-soft: #ffebe9;
          --err: #9a6700; --err-soft: #fff8c5; --flaky: #8250df; --flaky-soft: #fbefff;
          --p50: #0969da; --p90: #d18616; --p99: #cf222e;
          --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
          color-scheme: light dark;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0d1117; --panel: #161b22; --text: #e6edf3; --muted: #9198a1; --faint: #6e7681;
            --line: #30363d; --soft: #1c2129; --accent: #4493f8; --accent-soft: #0c2d6b;
            --pass: #3fb950; --pass-soft: #12261e; --fail: #f85149; --fail-soft: #2d1214;
            --err: #d29922; --err-soft: #272115; --flaky: #ab7df8; --flaky-soft: #231a35;
            --p50: #4493f8; --p90: #d29922; --p99: #f85149;
          }
        }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; background: var(--bg); color: var(--text);
          font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
        main { max-width: 1180px; margin: 0 auto; padding: 28px 24px 48px; }
        code, .mono { font-family: var(--mono); font-size: 12.5px; }
        h1 { font-size: 22px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
        h2 { font-size: 15px; margin: 0; font-weight: 650; }
        button { font: inherit; color: inherit; }
        [hidden] { display: none !important; }

        .top { display: flex; align-items: center; justify-content: space-between; gap: 16px; margin-bottom: 20px; }
        .run-id { font-family: var(--mono); font-size: 14px; font-weight: 500; color: var(--muted); margin-left: 6px; }
        .sub { margin: 4px 0 0; color: var(--muted); }
        .sub b { color: var(--text); font-weight: 600; }
        .verdict { padding: 6px 14px; border-radius: 999px; font-weight: 650; white-space: nowrap; border: 1px solid \#
        transparent; }
        .v-passed { background: var(--pass-soft); color: var(--pass); border-color: color-mix(in srgb, var(--pass) \#
        30%, transparent); }
        .v-failed { background: var(--fail-soft); color: var(--fail); border-color: color-mix(in srgb, var(--fail) \#
        30%, transparent); }
        .v-error { background: var(--err-soft); color: var(--err); border-color: color-mix(in srgb, var(--err) 30%, \#
        transparent); }
        .v-empty { background: var(--soft); color: var(--muted); border-color: var(--line); }

        .cards { display: flex; flex-wrap: wrap; gap: 10px; }
        .card { flex: 1 1 96px; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; \#
        padding: 10px 12px 12px; }
        .card .label { font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); \#
        font-weight: 600; }
        .card .value { font-size: 22px; font-weight: 650; white-space: nowrap; font-variant-numeric: tabular-nums; \#
        margin-top: 2px; }
        .card .note { font-size: 11.5px; color: var(--muted); margin-top: 2px; }
        .card.c-latency { flex: 2 1 190px; }
        .c-passed .value { color: var(--pass); }
        .c-failed .value { color: var(--fail); }
        .c-error .value { color: var(--err); }
        .card.quiet .value { color: var(--faint); }
        .ratio { flex: 1 1 100%; display: flex; height: 8px; border-radius: 999px; overflow: hidden; background: \#
        var(--line); gap: 2px; }
        .ratio span { display: block; min-width: 3px; }
        .r-passed { background: var(--pass); } .r-failed { background: var(--fail); } .r-error { background: \#
        var(--err); }

        .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 16px 20px; \#
        margin-top: 16px; }
        .panel-head { display: flex; align-items: center; gap: 12px; margin-bottom: 10px; }
        .count { display: inline-block; min-width: 22px; padding: 0 7px; margin-left: 4px; border-radius: 999px; \#
        background: var(--soft);
          border: 1px solid var(--line); color: var(--muted); font-size: 12px; font-weight: 600; text-align: center; \#
          vertical-align: 1px; }
        .hint, .empty { color: var(--muted); margin: 0 0 8px; font-size: 13px; }
        .legend { margin-left: auto; display: flex; gap: 14px; font-size: 12px; color: var(--muted); }
        .legend span::before { content: ""; display: inline-block; width: 14px; height: 3px; border-radius: 2px; \#
        margin-right: 6px; vertical-align: middle; }
        .k-p50::before { background: var(--p50); } .k-p90::before { background: var(--p90); } .k-p99::before { \#
        background: var(--p99); }

        .chart-wrap { width: 100%; }
        .chart { display: block; width: 100%; height: auto; }
        .chart .grid { stroke: var(--line); stroke-width: 1; }
        .chart text { fill: var(--muted); font-size: 11px; font-family: inherit; }
        .chart .ylab { text-anchor: end; font-variant-numeric: tabular-nums; }
        .chart .xlab, .chart .axis { text-anchor: middle; }
        .chart .band { fill: transparent; }
        .chart .band:hover { fill: color-mix(in srgb, var(--accent) 8%, transparent); }
        .chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; pointer-events: \#
        none; }
        .chart .dot { stroke: var(--panel); stroke-width: 1.5; pointer-events: none; }
        .s-p50 { stroke: var(--p50); } .dot.s-p50 { fill: var(--p50); }
        .s-p90 { stroke: var(--p90); } .dot.s-p90 { fill: var(--p90); }
        .s-p99 { stroke: var(--p99); } .dot.s-p99 { fill: var(--p99); }
        .numbers { margin-top: 6px; font-size: 13px; }
        .numbers > summary { cursor: pointer; color: var(--muted); }

        .table-wrap { overflow-x: auto; }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th { text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.04em; color: \#
        var(--muted);
          font-weight: 600; padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        td { padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
        tbody tr:last-child td { border-bottom: 0; }
        .num { text-align: right; white-space: nowrap; }
        td.bad { color: var(--fail); font-weight: 650; }
        td.warn { color: var(--err); font-weight: 650; }
        table.flows tbody tr:hover { background: var(--soft); }
        table.flows.folded tr.extra { display: none; }
        table.groups tbody tr:hover { background: var(--soft); }
        .group-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 22px; }
        .flow-link { background: none; border: 0; padding: 0; font-weight: 600; cursor: pointer; text-align: left; }
        .flow-link:hover { color: var(--accent); text-decoration: underline; }
        .file { font-family: var(--mono); font-size: 11.5px; color: var(--muted); }
        .rate { display: flex; align-items: center; gap: 8px; white-space: nowrap; }
        .rate .bar { width: 90px; height: 6px; border-radius: 999px; background: var(--fail-soft); overflow: hidden; \#
        flex: none; }
        .f-passed .rate .bar { background: var(--line); }
        .f-error .rate .bar { background: var(--err-soft); }
        .rate .bar span { display: block; height: 100%; background: var(--pass); }
        .rate .pct { min-width: 44px; text-align: right; font-weight: 600; }
        .rate .of { color: var(--muted); font-size: 12px; }

        .badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 650;
          letter-spacing: 0.03em; text-transform: uppercase; border: 1px solid transparent; white-space: nowrap; }
        .b-passed { background: var(--pass-soft); color: var(--pass); }
        .b-failed { background: var(--fail); color: #fff; }
        .b-error { background: var(--err-soft); color: var(--err); border-color: color-mix(in srgb, var(--err) 35%, \#
        transparent); }
        .badge.flaky { background: var(--flaky-soft); color: var(--flaky); border-color: color-mix(in srgb, \#
        var(--flaky) 30%, transparent); }

        .filters { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin-bottom: 12px; }
        .seg { display: inline-flex; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
        .seg button { background: var(--panel); border: 0; border-right: 1px solid var(--line); padding: 5px 12px; \#
        cursor: pointer; }
        .seg button:last-child { border-right: 0; }
        .seg button span { color: var(--muted); font-variant-numeric: tabular-nums; margin-left: 2px; }
        .seg button:hover { background: var(--soft); }
        .seg button.on { background: var(--text); color: var(--panel); }
        .seg button.on span { color: inherit; opacity: 0.75; }
        .select, .check { display: inline-flex; align-items: center; gap: 6px; color: var(--muted); font-size: 13px; }
        select, input[type=search] { font: inherit; color: var(--text); background: var(--panel); border: 1px solid \#
        var(--line);
          border-radius: 8px; padding: 5px 9px; }
        input[type=search] { flex: 1 1 220px; min-width: 180px; }
        .chip { display: inline-flex; align-items: center; gap: 6px; background: var(--accent-soft); color: \#
        var(--accent);
          border: 0; border-radius: 999px; padding: 3px 10px; cursor: pointer; font-size: 12.5px; font-weight: 600; }
        .shown { color: var(--muted); font-size: 12.5px; margin-left: auto; }

        .runs { display: flex; flex-direction: column; gap: 6px; }
        details.run { border: 1px solid var(--line); border-left: 4px solid var(--pass); border-radius: 8px; \#
        background: var(--panel); }
        details.run.r-failed { border-left-color: var(--fail); }
        details.run.r-error { border-left-color: var(--err); }
        details.run > summary { list-style: none; cursor: pointer; padding: 8px 12px 8px 30px; position: relative; \#
        border-radius: 8px; }
        details.run > summary::-webkit-details-marker { display: none; }
        details.run > summary::before { content: ""; position: absolute; left: 12px; top: 15px; width: 6px; height: 6px;
          border-right: 2px solid var(--faint); border-bottom: 2px solid var(--faint); transform: rotate(-45deg); \#
          transition: transform 0.12s; }
        details.run[open] > summary::before { transform: rotate(45deg); top: 13px; }
        details.run > summary:hover { background: var(--soft); }
        details.run > summary:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
        .line { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; }
        .line .name { font-weight: 600; }
        .line .persona { color: var(--muted); }
        .line .rep { font-family: var(--mono); font-size: 12px; color: var(--muted); }
        .tag { font-size: 11.5px; padding: 0 7px; border-radius: 6px; background: var(--soft); border: 1px solid \#
        var(--line); color: var(--muted); }
        .line .meta { margin-left: auto; color: var(--muted); font-size: 12.5px; white-space: nowrap; \#
        font-variant-numeric: tabular-nums; }
        .failure { display: block; margin: 8px 0 2px; padding: 9px 12px; border-radius: 6px; background: \#
        var(--fail-soft);
          border: 1px solid color-mix(in srgb, var(--fail) 22%, transparent); cursor: auto; }
        .r-error .failure { background: var(--err-soft); border-color: color-mix(in srgb, var(--err) 25%, \#
        transparent); }
        .failure .where { display: flex; align-items: baseline; gap: 10px; }
        .failure .where code { font-weight: 600; }
        .failure .kind { font-size: 12px; color: var(--fail); font-weight: 600; }
        .r-error .failure .kind { color: var(--err); }
        .failure .message { display: block; margin: 2px 0 4px; }
        .failure .pair { display: grid; grid-template-columns: 84px 1fr; gap: 10px; margin-top: 2px; }
        .failure .k { color: var(--muted); font-size: 12.5px; padding-top: 1px; }
        .failure .v { font-family: var(--mono); font-size: 12.5px; white-space: pre-wrap; overflow-wrap: anywhere; }
        .failure .said { font-family: inherit; font-size: 13.5px; }
        .none { color: var(--muted); text-align: center; padding: 18px 0; margin: 0; }
        .more { display: block; margin: 12px auto 0; background: var(--panel); border: 1px solid var(--line); \#
        border-radius: 8px;
          padding: 6px 16px; cursor: pointer; }
        .more:hover { background: var(--soft); }

        .transcript { border-top: 1px solid var(--line); padding: 12px 16px 16px; }
        .loading { color: var(--muted); margin: 0; font-size: 12.5px; }
        .unavailable { color: var(--err); margin: 0; }
        .meta-grid { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0 0 12px; font-size: 12.5px; }
        .meta-grid div { display: flex; gap: 6px; }
        .meta-grid dt { color: var(--muted); }
        .meta-grid dd { margin: 0; font-family: var(--mono); font-size: 12px; overflow-wrap: anywhere; }
        .notes { margin: 0 0 10px; padding-left: 18px; color: var(--err); font-size: 12.5px; }
        .chat { display: flex; flex-direction: column; gap: 8px; }
        .msg { max-width: min(76%, 720px); display: flex; flex-direction: column; }
        .msg.user { align-self: flex-end; align-items: flex-end; }
        .msg.agent { align-self: flex-start; align-items: flex-start; }
        .msg.event { align-self: center; align-items: center; max-width: 90%; }
        .who { font-size: 11.5px; color: var(--muted); margin: 0 4px 3px; display: flex; gap: 8px; }
        .who .role { font-weight: 600; }
        .who .lat { font-variant-numeric: tabular-nums; }
        .bubble { padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
        .bubble + .bubble { margin-top: 4px; }
        .user .bubble { background: var(--accent-soft); border-bottom-right-radius: 4px; }
        .user.sim .bubble { background: var(--flaky-soft); border: 1px dashed color-mix(in srgb, var(--flaky) 45%, \#
        transparent); }
        .sim .who .role { color: var(--flaky); }
        .agent .bubble { background: var(--soft); border: 1px solid var(--line); border-bottom-left-radius: 4px; }
        .event .bubble { background: var(--err-soft); color: var(--err); border-radius: 999px; padding: 3px 14px; \#
        font-size: 12.5px; }
        .events { font-size: 11.5px; color: var(--muted); margin: 3px 4px 0; }
        .actions { list-style: none; margin: 4px 4px 0; padding: 0; font-family: var(--mono); font-size: 11.5px; }
        .actions .act { color: var(--muted); overflow-wrap: anywhere; padding-left: 14px; text-indent: -14px; }
        .actions .act::before { content: "\2699\00a0"; }
        .actions .act-state-transition::before { content: "\2192\00a0"; }
        .actions .act-dynamic-behavior::before { content: "\2605\00a0"; }
        .actions .act-step { color: var(--faint); }
        .verdicts { list-style: none; margin: 4px 0 0; padding: 0; flex-basis: 100%; font-size: 12px; }
        .verdicts .vd { display: flex; gap: 8px; flex-wrap: wrap; }
        .verdicts .vd-word { font-weight: 600; min-width: 90px; }
        .verdicts .vd-pass .vd-word { color: var(--pass); }
        .verdicts .vd-fail .vd-word { color: var(--fail); }
        .verdicts .vd-inconclusive .vd-word { color: var(--faint); }
        .verdicts .reasoning { color: var(--muted); }
        .cands { font-size: 12.5px; color: var(--muted); margin: 4px 4px 0; max-width: 100%; }
        .cands > summary { cursor: pointer; }
        .cands ol { margin: 4px 0 0; padding-left: 20px; }
        .cands li { margin: 2px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
        .cands li.chosen { color: var(--text); font-weight: 600; }
        .cands li.chosen::after { content: "  ← sent"; color: var(--flaky); font-weight: 500; }
        .step { display: flex; align-items: baseline; flex-wrap: wrap; gap: 4px 10px; padding: 3px 10px; border-left: \#
        3px solid var(--line);
          font-size: 12.5px; color: var(--muted); align-self: stretch; }
        .step .icon { font-weight: 700; width: 12px; text-align: center; }
        .step .kind { font-family: var(--mono); font-size: 12px; color: var(--text); }
        .step .loc { color: var(--faint); font-size: 11.5px; }
        .step .detail { overflow-wrap: anywhere; }
        .step .dur { margin-left: auto; font-variant-numeric: tabular-nums; color: var(--faint); }
        .st-passed { border-left-color: var(--pass); } .st-passed .icon { color: var(--pass); }
        .st-failed { border-left-color: var(--fail); background: var(--fail-soft); color: var(--text); }
        .st-failed .icon { color: var(--fail); }
        .st-error { border-left-color: var(--err); background: var(--err-soft); color: var(--text); }
        .st-error .icon { color: var(--err); }
        .st-skipped { opacity: 0.6; }

        @media (max-width: 720px) {
          main { padding: 16px 12px 32px; }
          .top { flex-direction: column; align-items: flex-start; }
          .msg { max-width: 92%; }
          .line .meta { margin-left: 0; }
        }
        @media print {
          body { background: #fff; }
          .filters, .more { display: none; }
          details.run { break-inside: avoid; }
        }
        """#
}
