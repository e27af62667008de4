// webui_check.js — drives the web UI in Debian's headless chromium with
// playwright-core: the dashboard shows the running muxd's real session
// states and path counts; the looking glass shows the path BIRD announced;
// a client provisioned through the form comes up (its BIRD connects) and
// is removed through its Delete button. Screenshots go to OUTDIR.
//
//   node webui_check.js EXPECT.json OUTDIR
// EXPECT: {url, v4, v6, prefix, as_path, token, client: {name, address, asn}}
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const expect = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const outdir = process.argv[3];

function check(cond, what) {
  if (!cond) throw new Error("web UI: " + what);
  console.log("ok: " + what);
}

async function main() {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(expect.url);

    // Dashboard: the upstream session's state and the view's path counts.
    const state = page.locator('#upstreams tr[data-name="isp-a"] td.state');
    await state.filter({ hasText: "Established" }).waitFor({ timeout: 20000 });
    check(await state.textContent() === "Established", "the upstream session shows Established");
    const card = page.locator('.view-card[data-view="isp-a"]');
    await card.locator(".paths-v4", { hasText: new RegExp("^" + expect.v4 + "$") }).waitFor({ timeout: 20000 });
    check(await card.locator(".paths-v4").textContent() === String(expect.v4), `the view shows ${expect.v4} IPv4 paths`);
    check(await card.locator(".paths-v6").textContent() === String(expect.v6), `the view shows ${expect.v6} IPv6 paths`);
    check(await card.locator("svg.rate-chart polyline").count() === 1, "the view has its update-rate chart");
    await page.screenshot({ path: path.join(outdir, "dashboard.png"), fullPage: true });

    // Looking glass.
    await page.fill("#lg-prefix", expect.prefix);
    await page.click("#lg-go");
    const row = page.locator('.lg-view[data-view="isp-a"] tr.lg-path').first();
    await row.waitFor({ timeout: 10000 });
    check(await row.locator("td").first().textContent() === expect.prefix, "the looking glass shows the prefix");
    check(await row.locator("td.as-path").textContent() === expect.as_path,
      `the looking glass shows BIRD's AS path "${expect.as_path}"`);
    await page.screenshot({ path: path.join(outdir, "looking-glass.png"), fullPage: true });

    // Provisioning through the form.
    const f = "#prov-form ";
    await page.fill(f + '[name="name"]', expect.client.name);
    await page.fill(f + '[name="address"]', expect.client.address);
    await page.fill(f + '[name="asn"]', String(expect.client.asn));
    await page.fill(f + '[name="upstreams"]', "isp-a");
    await page.fill(f + '[name="prefixes"]', "184.164.230.0/24");
    await page.fill(f + '[name="token"]', expect.token);
    await page.click("#prov-go");
    await page.locator("#prov-result.ok").waitFor({ timeout: 10000 });
    check((await page.textContent("#prov-result")) === `client ${expect.client.name} provisioned`,
      "the form provisioned the client");
    const cstate = page.locator(`#clients tr[data-client="${expect.client.name}"] td.client-state`);
    await cstate.filter({ hasText: "isp-a:Established" }).waitFor({ timeout: 40000 });
    check(true, "the provisioned client shows isp-a:Established");
    await page.screenshot({ path: path.join(outdir, "provisioned.png"), fullPage: true });

    // The same again: refused, and the form says why.
    await page.click("#prov-go");
    await page.locator("#prov-result.error").waitFor({ timeout: 10000 });
    check((await page.textContent("#prov-result")).includes("exists already"), "a duplicate is refused with the reason");

    // Delete through the row's button.
    await page.click(`#clients tr[data-client="${expect.client.name}"] button.del`);
    await page.locator(`#clients tr[data-client="${expect.client.name}"]`).waitFor({ state: "detached", timeout: 10000 });
    check((await page.textContent("#prov-result")) === `client ${expect.client.name} removed`, "Delete removed the client");
    await page.screenshot({ path: path.join(outdir, "deleted.png"), fullPage: true });
    check(errors.length === 0, "no JavaScript error on the page " + errors.join("; "));
  } catch (e) {
    await page.screenshot({ path: path.join(outdir, "failure.png"), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
