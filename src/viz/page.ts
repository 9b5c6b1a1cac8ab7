/**
 * A standalone HTML page holding figures: plotly.js inlined once in <head>, every figure below it. Used for
 * reports, for the README's screenshots and by the browser test.
 */
import { Figure, PlotlyFigure } from "./figure.js";
import { FONT_FAMILY } from "./palette.js";
import { plotlyLibraryHtml } from "./plotlyLibrary.js";
import { escapeXml } from "./svg.js";

export interface FiguresPageOptions {
  title?: string;
  /** Optional caption under each figure, by figure id. */
  captions?: Readonly<Record<string, string>>;
}

/** One self-contained HTML document with every figure; works offline (no CDN). */
export function figuresPage(figures: readonly Figure[], options: FiguresPageOptions = {}): string {
  const title = options.title ?? "nasbook figures";
  const ids = new Set<string>();
  const body: string[] = [];
  for (const f of figures) {
    if (ids.has(f.id)) continue; // identical content: one copy is enough
    ids.add(f.id);
    const caption = options.captions?.[f.id];
    body.push(
      `<section class="nasbook-cell" data-figure="${f.id}">${f.toHtml({ plotly: "external" })}` +
        (caption ? `<p class="caption">${escapeXml(caption)}</p>` : "") +
        `</section>`,
    );
  }
  const needsPlotly = figures.some((f) => f instanceof PlotlyFigure);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>
body { font-family: ${FONT_FAMILY}; margin: 24px auto; max-width: 1040px; padding: 0 16px; color: #1f1f29; background: #ffffff; }
h1 { font-size: 20px; font-weight: 600; }
.nasbook-cell { margin: 0 0 28px; padding: 8px; border: 1px solid #e6e6ee; border-radius: 6px; }
.caption { color: #55555f; font-size: 13px; margin: 6px 4px 0; }
</style>
${needsPlotly ? plotlyLibraryHtml() : ""}
</head>
<body>
<h1>${escapeXml(title)}</h1>
${body.join("\n")}
</body>
</html>
`;
}
