// nas.ui's controls alone: values, checks with messages that say what is allowed, text (for --set), Maps of named values.
import { describe, expect, it } from "vitest";
import { ControlGroup, ControlError, isControlGroup } from "../../src/ui/controls.js";
import { button, checkbox, number, radio, range, select, text } from "../../src/ui/index.js";

describe("nas.ui controls", () => {
  it("range: whole-number steps by default, values checked against the extent and the step", () => {
    const r = range([10, 300], { value: 100, step: 10, label: "queries" });
    expect(r.value).toBe(100);
    expect(() => r.set(305)).toThrow(/queries: 305 is outside \[10, 300\]/);
    r.setFromText("250");
    expect(r.value).toBe(250);
    expect(() => range([5, 1])).toThrow(ControlError);
    expect(range([0, 10]).widget().model).toBe("IntSliderModel");
    expect(range([0, 1], { value: 0.5, step: 0.1 }).widget().model).toBe("FloatSliderModel");
  });

  it("select over a Map shows the names and gives readers the values; --set takes a name", () => {
    const slow = { name: "slow" };
    const fast = { name: "fast" };
    const s = select(new Map([["the slow one", slow], ["the fast one", fast]]), { label: "pick" });
    expect(s.value).toBe(slow);
    expect(s.widget().state["_options_labels"]).toEqual(["the slow one", "the fast one"]);
    s.setFromText("the fast one");
    expect(s.value).toBe(fast);
    expect(s.toString()).toBe("pick: the fast one");
    expect(() => s.setFromText("medium")).toThrow(/pick takes one of "the slow one", "the fast one", got "medium"/);
    expect(() => select(new Map([["a", slow], ["b", slow]]))).toThrow(/two names of the Map hold the same value/);
    expect(radio(new Map([["one", 1], ["two", 2]]), { value: 2 }).value).toBe(2);
  });

  it("select, checkbox, number, text and button check what they are given", () => {
    expect(() => select([])).toThrow(/non-empty list of options/);
    expect(() => select(["a", "b"], { value: "c" })).toThrow(/"c" is not one of its options \(a, b\)/);
    const c = checkbox({ value: true });
    c.setFromText("false");
    expect(c.value).toBe(false);
    expect(() => number({ value: 3, min: 0, max: 2 })).toThrow(ControlError);
    expect(text({ value: "x" }).value).toBe("x");
    const b = button("go");
    b.click();
    b.click();
    expect(b.value).toBe(2);
  });

  it("a group shows its controls one under the other", () => {
    const g = new ControlGroup([range([1, 3], { value: 2, label: "depth" }), select(["a", "b"], { label: "op" })]);
    expect(isControlGroup(g)).toBe(true);
    expect(isControlGroup(range([1, 3]))).toBe(false);
    expect(g.toMimeBundle()["text/plain"]).toBe("depth: 2\nop: a");
    expect(g.toMimeBundle()["text/html"]).toMatch(/^<div class="nasbook-controls"><div class="nasbook-control" data-kind="range">.*<div class="nasbook-control" data-kind="select">/);
  });
});
