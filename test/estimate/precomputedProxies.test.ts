import { describe, expect, it } from "vitest";
import { DataFileError } from "../../src/errors.js";
import { parseZcTable, precomputedProxyEvaluator, proxyCorrelations } from "../../src/estimate/precomputedProxies.js";
import { spearman } from "../../src/predict/rank.js";
import { parseNb201 } from "../../src/space/nb201.js";

const HEADER = "dataset,index,arch,naslib_op_indices,val_accuracy,flops,params,synflow,grasp,fisher,grad_norm,l2_norm,plain,nwot,epe_nas,jacov,snip";
const A = "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|";
const B = "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|";
const C = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
const CSV = [
  HEADER,
  `cifar10,4811,${A},023231,86.06,88.3,0.615386,41.9,2.27,0.145,21.6,231.3,0.119,406.5,558.4,-32.3,46.0`,
  `cifar10,5480,${B},404120,83.62,46.3,0.316346,,-0.04,0.026,3.83,78.6,0.192,363.5,122.3,-84.9,6.94`,
  `cifar10,1651,${C},111111,10.00,7.7,0.073306,0,0,0,0,10.1,0.5,100.0,0,-200,0`,
  `cifar100,4811,${A},023231,60.00,88.3,0.621236,1,2,3,4,5,6,7,8,9,10`,
].join("\n");

describe("precomputed proxy evaluator", () => {
  const table = parseZcTable(CSV);

  it("returns the table's proxy score as the objective, per dataset", async () => {
    const ev = precomputedProxyEvaluator({ proxy: "nwot", table });
    expect(ev.objective).toBe("score");
    const r = await ev.evaluate(parseNb201(A), { seed: 0 });
    expect(r).toMatchObject({ status: "ok", metrics: { score: 406.5, nwot: 406.5 } });
    expect(r.metrics.val_acc).toBeUndefined();
    const c100 = await precomputedProxyEvaluator({ proxy: "jacov", dataset: "cifar100", table, includeAccuracy: true }).evaluate(parseNb201(A), { seed: 0 });
    expect(c100.metrics).toEqual({ score: 9, jacov: 9, val_acc: 60 });
    expect(ev.architectures().length).toBe(3);
  });

  it("records architectures outside the table, and missing cells, as failed with the reason", async () => {
    const ev = precomputedProxyEvaluator({ proxy: "synflow", table });
    const outside = await ev.evaluate(parseNb201("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"), { seed: 0 });
    expect(outside.status).toBe("failed");
    expect(outside.error).toMatch(/not among the 3 cifar10 architectures.*architectures\(\)/);
    const empty = await ev.evaluate(parseNb201(B), { seed: 0 });
    expect(empty.error).toMatch(/no synflow value/);
    expect(() => precomputedProxyEvaluator({ proxy: "magic" as never, table })).toThrow(/unknown proxy "magic"/);
  });

  it("correlates each proxy with accuracy over the rows that have it", () => {
    const corr = Object.fromEntries(proxyCorrelations(table, "cifar10").map((c) => [c.proxy, c]));
    expect(corr.nwot).toEqual({ proxy: "nwot", spearman: 1, n: 3 });
    expect(corr.synflow!.n).toBe(2);
    expect(corr.plain!.spearman).toBeCloseTo(-1, 12); // plain 0.119, 0.192, 0.5 rises as accuracy 86.06, 83.62, 10 falls
  });
});

describe("parseZcTable validates strictly", () => {
  const row = (i: number) => CSV.split("\n")[i]!;
  it("accepts NASWOT's -inf (a singular K), which the correlations skip", () => {
    const t = parseZcTable([HEADER, row(1), row(2).replace(",363.5,", ",-inf,"), row(3)].join("\n"), "z.csv");
    expect(t[1]!.scores.nwot).toBe(-Infinity);
    expect(proxyCorrelations(t, "cifar10").find((c) => c.proxy === "nwot")!.n).toBe(2);
  });
  it.each([
    ["a short row", [HEADER, row(1), "cifar10,4811,x"].join("\n"), /z.csv line 3 has 3 fields, the header has 17/],
    ["a non-numeric score", [HEADER, row(1).replace(",406.5,", ",n/a,")].join("\n"), /z.csv line 2: column nwot is "n\/a", expected a number or ±inf/],
    ["a non-numeric accuracy", [HEADER, row(1).replace(",86.06,", ",high,")].join("\n"), /z.csv line 2: column val_accuracy is "high"/],
    ["an unknown dataset", [HEADER, row(1), row(2).replace("cifar10,", "cifar-10,")].join("\n"), /z.csv line 3: unknown dataset "cifar-10" \(expected one of: cifar10, cifar100, ImageNet16-120\)/],
    ["a bad arch", [HEADER, row(1).replace("nor_conv_3x3~0", "conv~0")].join("\n"), /z.csv line 2: bad arch string/],
    ["a missing proxy column", CSV.replace(",fisher,", ",fishr,"), /z.csv lacks column\(s\) fisher/],
  ])("rejects %s, naming file and line", (_, text: string, msg: RegExp) => {
    expect(() => parseZcTable(text, "z.csv")).toThrow(DataFileError);
    expect(() => parseZcTable(text, "z.csv")).toThrow(msg);
  });
});

describe("spearman (as proxies use it)", () => {
  it.each([
    [[1, 2, 3, 4], [10, 20, 30, 40], 1],
    [[1, 2, 3, 4], [4, 3, 2, 1], -1],
    [[1, 2, 3], [1, 3, 2], 0.5],
    // ties get average ranks: a = [1, 2.5, 2.5, 4], b = [1, 2, 3, 4] -> r = 4.5 / sqrt(4.5 * 5)
    [[1, 5, 5, 9], [1, 2, 3, 4], 4.5 / Math.sqrt(4.5 * 5)],
  ])("%j vs %j = %d", (a, b, want) => {
    expect(spearman(a, b)).toBeCloseTo(want, 12);
  });
});
