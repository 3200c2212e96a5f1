#!/usr/bin/env python3
"""Writes a large suite of valid flow files, for timing `parley validate` on big suites.

  scripts/gen-flows.py --count 10000 --out /tmp/flows-10k
  parley validate /tmp/flows-10k

The flows cycle through the shapes real suites use (scripted turns with regex, any/all and
capture expectations, personas inline and from shared files, included steps, variables, tags,
judged criteria, simulated turns with scripted replies, tool and state expectations), each with
its own name, and run against the built-in demo agent, so the suite is valid without a
parley.yaml. Shared persona and step files go under _personas/ and _steps/.
"""
import argparse, os

PERSONAS = {
    "dana": ("Dana Ortiz", "Busy parent of two; order ORD-1042, a blender, arrived cracked.", "ORD-1042"),
    "priya": ("Priya Shah", "Small-business owner who buys kitchenware for her café.", "ORD-5521"),
    "sam": ("Sam Lee", "Night-shift nurse who shops online between shifts.", "ORD-2077"),
}

STEPS = """\
# Shared opening: report a damaged item and get asked for the order number.
- send: My kettle arrived broken.
- expect: /what's your order number/i
"""

TEMPLATES = [
    """\
flow: {name}
description: Off-topic questions get a polite fallback that lists what the agent can do ({n}).
tags: [smoke, group-{group}]
steps:
  - send: What's the weather like on Mars?
  - expect: /didn't catch that/
  - expect: {{ any: ["order status", /status of an order/] }}
  - send: Never mind, bye.
  - expect: /goodbye/i
  - end
""",
    """\
flow: {name}
description: The agent asks for the order number and reports where the order is ({n}).
tags: [regression, group-{group}]
persona:
  name: Sam Lee
  variables: {{ order_id: ORD-{order} }}
steps:
  - set: {{ question: "Where is my order?" }}
  - send: ${{question}}
  - expect: {{ contains: order number }}
  - send: ${{persona.order_id}}
  - expect: {{ regex: "status of order ORD-\\\\d+", capture: {{ status: "/: it (.+?)\\\\./" }} }}
  - expect: {{ all: ["${{persona.order_id}}", /anything else/i] }}
  - send: "No"
  - expect: goodbye
""",
    """\
flow: {name}
description: Each persona asks for a refund in one message and confirms it ({n}).
tags: [refunds, group-{group}]
personas:
  - _personas/dana.yaml
  - {{ name: Priya Shah, variables: {{ order_id: ORD-{order} }} }}
steps:
  - send: "Hi, I'm ${{persona.name}}. Order ${{persona.order_id}} arrived damaged and I'd like a refund."
  - expect: "found order ${{persona.order_id}}"
  - send: "Yes"
  - expect: refund has been issued
""",
    """\
flow: {name}
description: A customer with a cracked blender gets a full refund and a ticket number ({n}).
tags: [regression, refunds, group-{group}]
persona:
  name: Dana Ortiz
  background: Busy parent; order ORD-{order} arrived cracked.
  variables: {{ order_id: ORD-{order} }}
scenario:
  name: Refund for a damaged item
  objective: Get a full refund for the damaged blender.
  instructions: Be polite but firm. Give the order number when asked.
turn_timeout: 30s
steps:
  - send: Hi, my blender arrived cracked.
  - expect: {{ pattern: /order (number|id)/i, within: 5s }}
  - send: It's ${{persona.order_id}}.
  - expect: {{ any: [/refund/i, /replace/i], capture: {{ ticket: /ticket (T-\\d+)/ }} }}
  - send: Yes, please refund it.
  - expect: "refund has been issued under ticket ${{ticket}}"
  - expect_not: /can't help/i
  - send: No, that's all. Bye!
  - expect: /goodbye/i
  - end
""",
    """\
flow: {name}
description: A broken kettle is replaced rather than refunded; the opening steps are shared ({n}).
tags: [regression, refunds, group-{group}]
steps:
  - include: _steps/report-damage.yaml
  - send: ORD-{order}
  - expect: /refund .* or send a replacement/i
  - wait: 100ms
  - send: A replacement, please.
  - expect: /replacement for order ORD-{order} is on its way/
  - end
""",
    """\
flow: {name}
description: The agent looks the order up before it offers a refund ({n}).
tags: [regression, actions, group-{group}]
persona: _personas/sam.yaml
scenario:
  name: Refund for a damaged item
  objective: Get a full refund for the damaged blender.
steps:
  - send: Hi, my blender arrived cracked.
  - expect_state: refund_order_number
  - expect_no_tool: /.*/
  - send: It's ${{persona.order_id}}.
  - expect_tool:
      name: order-lookup
      args: {{ order_number: "${{persona.order_id}}" }}
      result: /"status":/
      times: 1
  - expect_state: refund_offer
  - send: Yes, please refund it.
  - expect_tool: {{ name: issue-refund, args: {{ amount: /^\\$\\d+\\.\\d\\d$/ }} }}
  - expect_tools: {{ sequence: [order-lookup, issue-refund], in: conversation }}
  - judge:
      criteria:
        - The agent says "refund has been issued" only after `issue-refund` was called.
        - The agent never says "I can't help".
  - send: No, that's all. Bye!
  - expect_state: {{ state: closed, in: conversation }}
judge:
  criteria:
    - The agent called `order-lookup`.
    - criterion: The agent was warm and polite throughout.
      inconclusive: pass
""",
    """\
flow: {name}
description: Simulated customers, written by replies scripted in this file, get a refund ({n}).
tags: [simulation, refunds, group-{group}]
personas: [_personas/dana.yaml, _personas/priya.yaml]
scenario:
  name: Refund for a damaged item
  objective: Get a full refund for a damaged order.
  instructions: Give the order number when asked and accept the refund.
simulator: script
steps:
  - expect: /how can I help/i
  - recommend: {{ pick: first }}
  - expect: /order number|found order/i
  - simulate: {{ until: /refund has been issued/i, max_turns: 6, pick: random }}
  - expect: {{ capture: {{ ticket: /ticket (T-\\d+)/ }} }}
replies:
  - when: /order number/i
    say: ["It's ${{persona.order_id}}.", "My order number is ${{persona.order_id}}."]
  - when: /go ahead with the refund/i
    say: ["Yes, please go ahead with the refund.", "Yes please."]
  - when: /anything else/i
    say: "No, that's all. Thanks!"
""",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10000, help="how many flow files (default 10000)")
    ap.add_argument("--out", required=True, help="the directory to write (created; existing files replaced)")
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "_personas"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "_steps"), exist_ok=True)
    for key, (name, background, order) in PERSONAS.items():
        with open(os.path.join(args.out, "_personas", f"{key}.yaml"), "w") as f:
            f.write(f"name: {name}\nbackground: {background}\nvariables:\n  order_id: {order}\n")
    with open(os.path.join(args.out, "_steps", "report-damage.yaml"), "w") as f:
        f.write(STEPS)
    for n in range(args.count):
        template = TEMPLATES[n % len(TEMPLATES)]
        name = f"flow-{n:05d}"
        text = template.format(name=name, n=n, group=n % 50, order=1000 + n % 9000)
        with open(os.path.join(args.out, f"{name}.yaml"), "w") as f:
            f.write(text)
    print(f"{args.count} flows in {args.out}")


if __name__ == "__main__":
    main()
