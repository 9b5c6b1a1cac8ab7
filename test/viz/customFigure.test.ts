import { describe, expect, it } from "vitest";
import { customFigure } from "../../src/viz/customFigure.js";
import { PLOTLY_CONFIG } from "../../src/viz/plotlyTheme.js";

describe("customFigure", () => {
  const spec = { data: [{ type: "bar", x: ["a", "b"], y: [1, 2] }], layout: { title: { text: "Two bars" }, height: 380 } };

  it("takes its height and text from the layout, nasbook's plotly config, and a content id", () => {
    const fig = customFigure(spec);
    expect(fig.height).toBe(380);
    expect(fig.summary).toBe("Two bars");
    expect(fig.spec.config).toEqual(PLOTLY_CONFIG);
    expect(fig.id).toBe(customFigure(spec).id);
    expect(fig.id).not.toBe(customFigure({ ...spec, data: [{ type: "bar", x: ["a"], y: [3] }] }).id);
    expect(fig.toMimeBundle()["application/vnd.plotly.v1+json"]!.data).toEqual(spec.data);
  });

  it("uses what it is given over the layout, and a default height without one", () => {
    const fig = customFigure({ data: [], layout: {} }, { summary: "empty", id: "my-fig", height: 200 });
    expect([fig.summary, fig.id, fig.height]).toEqual(["empty", "my-fig", 200]);
    expect(customFigure({ data: [], layout: {} }).height).toBe(420);
    expect(customFigure({ data: [], layout: {} }).summary).toBe("plotly figure, 0 trace(s)");
  });
});
