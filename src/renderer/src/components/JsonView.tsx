// Pretty JSON with keys, strings and numbers tinted; plain text, copyable.
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = JSON.stringify(value, null, 2) ?? '';
  const parts = text.split(/("(?:[^"\\]|\\.)*"(?:\s*:)?|\b-?\d+(?:\.\d+)?\b|\btrue\b|\bfalse\b|\bnull\b)/g);
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {parts.map((p, i) => {
        if (i % 2 === 0) return p;
        const cls = p.endsWith(':') ? 'j-key' : p.startsWith('"') ? 'j-str' : /^-?\d/.test(p) ? 'j-num' : 'j-lit';
        return (
          <span key={i} className={cls}>
            {p}
          </span>
        );
      })}
    </pre>
  );
}
