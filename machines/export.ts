/**
 * Exports a machine for documentation and tooling: its definition as JSON (importable by Stately) and a
 * Mermaid state diagram. Pure: returns strings.
 */
import type { AnyStateMachine } from 'xstate';

/** The machine definition as stable, pretty JSON. */
export function machineJson(machine: AnyStateMachine): string {
  return `${JSON.stringify(machine.toJSON(), null, 2)}\n`;
}

const short = (t: string) => t.replace(/^#[^.]+\./, '');

/** A readable label for an event type: `xstate.done.actor.evaluate` becomes `evaluate done`. */
function label(eventType: string): string {
  const m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  return m ? `${m[2]} ${m[1]}` : eventType === '' ? 'always' : eventType;
}

interface TransitionJson {
  target?: string[];
  guard?: string | { type?: string };
}

/** A Mermaid `stateDiagram-v2` of the machine's top-level states and transitions. */
export function machineMermaid(machine: AnyStateMachine): string {
  // toJSON() holds live state nodes that only become ids when stringified.
  const def = JSON.parse(JSON.stringify(machine.toJSON())) as {
    initial?: TransitionJson;
    states?: Record<
      string,
      { type?: string; on?: Record<string, TransitionJson[]>; always?: TransitionJson[] }
    >;
  };
  const lines = ['stateDiagram-v2'];
  const initial = def.initial?.target?.[0];
  if (initial) lines.push(`  [*] --> ${short(initial)}`);
  for (const [name, node] of Object.entries(def.states ?? {})) {
    if (node.type === 'final') lines.push(`  ${name} --> [*]`);
    const all: [string, TransitionJson[]][] = [...Object.entries(node.on ?? {}), ['', node.always ?? []]];
    for (const [ev, ts] of all) {
      for (const t of ts) {
        for (const target of t.target ?? []) {
          const guard = typeof t.guard === 'string' ? t.guard : t.guard?.type;
          lines.push(`  ${name} --> ${short(String(target))} : ${label(ev)}${guard ? ` [${guard}]` : ''}`);
        }
      }
    }
  }
  return `${[...new Set(lines)].join('\n')}\n`;
}
