// The rampart UI in a real browser: Debian's chromium driven by
// playwright-core. Run by collector/ui/browser_test.go, which starts
// `rampart serve`, seeds the signals and passes:
//
//   RAMPART_URL          the collector's base URL
//   RAMPART_TOKEN        the admin token
//   SHOT_DIR             where to save a screenshot of each page
//   USER_DATA_DIR        a fresh chromium profile
//   BLOCK_IP             the IP to block from the decisions page
//   EXPECT_FRAME         a file:line the exploit's stack trace must show
//   CHROMIUM             the browser (default /usr/bin/chromium)
//
// It fails (exit 1) on the first step that does not show what it must, on a
// page error and on any console error (a CSP violation is one).
import { chromium } from "playwright-core";
import path from "node:path";

const env = (k, d) => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const base = env("RAMPART_URL");
const token = env("RAMPART_TOKEN");
const shots = env("SHOT_DIR");
const blockIP = env("BLOCK_IP");
const expectFrame = env("EXPECT_FRAME");
// lines the top IPs must show when the collector has IP databases
const expectGeo = env("EXPECT_GEO", "").split("\n").filter(Boolean);

const ctx = await chromium.launchPersistentContext(env("USER_DATA_DIR"), {
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
  ],
  viewport: { width: 1360, height: 900 },
  timezoneId: "UTC",
  locale: "en-GB",
});
const problems = [];
const page = ctx.pages()[0] ?? (await ctx.newPage());
page.setDefaultTimeout(20_000);
page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("dialog", (d) => d.accept());
// Only the collector on loopback is ever asked for anything.
await ctx.route("**/*", (route) => {
  const u = new URL(route.request().url());
  if (u.origin !== new URL(base).origin) {
    problems.push(`request to another origin: ${u.href}`);
    return route.abort();
  }
  return route.continue();
});

const saved = [];
async function shot(name) {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  saved.push(file);
  console.log(`screenshot ${file}`);
}
function must(cond, what) {
  if (!cond) throw new Error(`expected: ${what} (at ${page.url()})`);
}
async function step(name, f) {
  try {
    await f();
  } catch (e) {
    try { await page.screenshot({ path: path.join(shots, `failed-${name}.png`), fullPage: true }); } catch {}
    throw new Error(`${name}: ${e.message}`);
  }
  if (problems.length) throw new Error(`${name}: ${problems.join("; ")}`);
  console.log(`ok ${name}`);
}

try {
  await step("login", async () => {
    await page.goto(base + "/");
    must(new URL(page.url()).pathname === "/login", "an anonymous visit lands on the login page");
    await page.locator("#login").fill("admin");
    await page.locator("#password").fill(token);
    await shot("login");
    await Promise.all([page.waitForURL(base + "/"), page.locator("#submit").click()]);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    must(await page.locator("figure.chart svg rect").count() > 0, "the overview chart has bars");
    must(await page.locator("text=Top attacker IPs").count() === 1, "top attacker IPs");
    must((await page.locator("#top-ips").innerText()).includes("documentation"), "the top IPs say what is known of them");
    for (const g of expectGeo) {
      must((await page.locator("#top-ips .ipfact .tag-geo").allInnerTexts()).includes(g), `the top IPs show ${g} from the IP databases`);
    }
    must(await page.locator("#ato figure.chart svg rect.c-fail").count() > 0, "the overview's account-takeover chart shows login failures");
    must(await page.locator("#ato-zoom svg rect.c-fail").count() >= 3, "the campaign of minutes is drawn again over its part of the day, in several bars");
    must(Number((await page.locator("#login-failures").innerText()).replace(/,/g, "")) >= 24, "the overview counts the login failures");
    must(await page.locator("#campaigns a").count() >= 1, "the overview lists the campaign in progress");
    must((await page.locator("#accounts").innerText()).includes("@example.com"), "the overview lists the accounts under attack");
    await shot("overview");
  });

  await step("signals", async () => {
    await page.locator("header nav >> text=Signals").click();
    await page.getByRole("heading", { name: "Signals" }).waitFor();
    must(await page.locator("table.signals tbody tr").count() >= 2, "signals are listed");
    must(/(ago|just now)$/.test(await page.locator("table.signals .ago").first().innerText()), "relative times beside the absolute ones");
    must((await page.locator("table.signals .rule-name").allInnerTexts()).some((t) => t.length > 10), "a rule's name beside its id");
    const services = new Set((await page.locator("table.signals td.svc").allInnerTexts()).map((t) => t.trim()).filter((t) => t));
    must(services.size >= 2, `the signals say their service (${[...services].join(", ")})`);
    await shot("signals");
  });

  await step("bulk", async () => {
    await page.goto(base + "/signals?type=attack");
    const before = await page.locator("table.signals tbody tr").count();
    must(before >= 3, "attack signals to archive");
    await page.locator("table.signals tbody input[type=checkbox]").nth(0).check();
    await page.locator("table.signals tbody input[type=checkbox]").nth(1).check();
    await Promise.all([page.waitForURL(/done=archived/), page.locator("#bulk-archive").click()]);
    must((await page.locator("#bulk-done").innerText()).startsWith("2 signals"), "two signals archived at once");
    must(await page.locator("table.signals tbody tr").count() === before - 2, "the archived signals left the open list");
    await page.goto(base + "/signals?type=attack&status=archived");
    const archived = page.locator("table.signals tbody input[type=checkbox]");
    must(await archived.count() === 2, "the two are in the archive");
    await archived.nth(0).check();
    await archived.nth(1).check();
    await Promise.all([page.waitForURL(/done=reopened/), page.locator("#bulk-reopen").click()]);
    must(await page.locator("table.signals tbody tr td.muted").count() === 1, "the archive is empty again");
    await page.goto(base + "/signals");
  });

  await step("attack", async () => {
    await page.goto(base + "/signals?type=attack&status=");
    await page.locator('a.sig:has-text("rp-sqli-001")').first().click();
    await page.locator("#triggers").waitFor();
    must((await page.locator("#triggers code.value.sent").first().innerText()) === "x' OR 1=1--", "the value as the client sent it comes first");
    must((await page.locator("#triggers code.value.matched").first().innerText()) === "x' or 1=1--", "the form the rule matched beside it");
    must(await page.locator("#triggers code.value.matched mark").count() >= 1, "the match is highlighted in the matched form");
    must((await page.locator("#triggers code.value.sent mark").first().innerText()) === "' OR 1=1--", "and in the value as sent, whatever its case");
    await shot("attack");
    await page.goto(base + "/signals");
  });

  await step("exploit", async () => {
    await page.selectOption("select[name=type]", "exploit");
    await Promise.all([page.waitForURL(/type=exploit/), page.locator("form.filters button").click()]);
    await page.locator("a.sig").first().click();
    await page.locator("#stack").waitFor();
    const stack = await page.locator("#stack").innerText();
    must(await page.locator(`#app-frames code[title="${expectFrame}"]`).count() === 1, `the stack trace shows ${expectFrame} among the application's frames`);
    must(!stack.includes("/app/"), "the stack trace's paths are short");
    must(!(await page.locator("h1").innerText()).includes("/app/"), "the title has no absolute build path");
    must(await page.locator("#library-frames").count() === 1 && !(await page.locator("#library-frames").evaluate((d) => d.open)), "library frames are folded");
    must((await page.locator("#library-frames summary").innerText()).includes("library frame"), "the fold says what it holds");
    must((await page.locator("#ip-facts").innerText()).includes("documentation"), "the signal's IPs say what is known of them");
    must(await page.locator("#stack li.here").count() === 1, "the application's frame is marked");
    must(await page.locator("#resource mark").count() === 1, "the input is highlighted in the statement");
    await shot("exploit");
  });

  await step("note", async () => {
    const signal = page.url();
    await page.locator("#note-text").fill("investigating, ticket SEC-123");
    await page.locator("#note-assignee").fill("alice");
    await Promise.all([page.waitForURL(/done=note/), page.locator("#add-note").click()]);
    await page.reload();
    must((await page.locator("#notes .note-text").first().innerText()) === "investigating, ticket SEC-123", "the note is there after a reload");
    must((await page.locator("#notes .note-author").first().innerText()) === "admin", "it says who wrote it");
    must(await page.locator("#notes .note time").count() === 1, "and when");
    must((await page.locator("#assignee").innerText()) === "alice", "the signal is assigned to alice");
    await page.goto(base + "/signals?type=exploit");
    const id = new URL(signal).pathname.split("/").pop();
    const mark = page.locator(`a.note-mark[href="/signals/${id}#notes"]`);
    must(await mark.count() === 1, "the list marks the signal with a note");
    must((await mark.getAttribute("title")).includes("SEC-123"), "the marker tells the note");
    must((await page.locator("table.signals .assignee").first().innerText()).includes("alice"), "the list says whom it is assigned to");
    await page.goto(signal);
    await page.locator("#notes").scrollIntoViewIfNeeded();
    await shot("note");
  });

  await step("credential-stuffing", async () => {
    await page.goto(base + "/signals?type=credential_stuffing&status=");
    await page.locator("a.sig").first().click();
    await page.locator("#timeline svg").waitFor();
    must(await page.locator("#timeline svg rect.c-fail").count() > 0, "the timeline chart shows failures");
    const box = await page.locator("#timeline svg").boundingBox();
    must(box && box.width > 300 && box.height > 100, "the chart is drawn at a visible size");
    must(await page.locator("#detection").count() === 1, "the detector's evidence is shown");
    must(await page.locator("#ips tbody tr").count() >= 1, "attacker IPs are listed");
    must(await page.locator("#users tbody tr").count() >= 5, "targeted users are listed");
    must((await page.locator("#ips thead").innerText()).includes("service"), "the campaign's logins came from two services: a service column");
    must((await page.locator("#ips td.svc").first().innerText()).includes("shop-web"), "the attacker IP's services include shop-web");
    must((await page.locator("#services").innerText()) === "auth-api, shop-web", "the campaign names its services");
    await shot("credential-stuffing");
  });

  await step("block-ip", async () => {
    await page.locator("header nav >> text=Decisions").click();
    await page.locator("#kind").selectOption("block_ip");
    await page.locator("#value").fill(blockIP);
    await page.locator("#ttl").selectOption("24h");
    await page.locator("#reason").fill("blocked from the browser test");
    await Promise.all([page.waitForURL(/done=decision/), page.locator("#save-decision").click()]);
    const active = await page.locator("#active").innerText();
    must(active.includes(blockIP), `the decisions in force list ${blockIP}`);
    await shot("decisions");
  });

  await step("logout", async () => {
    await Promise.all([page.waitForURL(/\/login$/), page.locator("#logout").click()]);
    await page.goto(base + "/decisions");
    must(new URL(page.url()).pathname === "/login", "after logout, pages ask for a login again");
    await shot("logout");
  });
} catch (e) {
  console.error(`FAIL ${e.message}`);
  await ctx.close();
  process.exit(1);
}
await ctx.close();
console.log(JSON.stringify({ ok: true, screenshots: saved }));
