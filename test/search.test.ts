// Message search, typo-tolerant people search, discoverability and contact matching, over HTTP.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, startTestServer, type TestServer, type Person } from "./harness.ts";

let s: TestServer;
let ana: Person, ben: Person, cat: Person, dan: Person;
let direct: string, group: string, other: string;

const send = async (p: Person, conv: string, text: string, extra: object = {}) =>
  (
    await s.call("POST", `/api/v1/conversations/${conv}/messages`, {
      token: p.token,
      body: { clientId: crypto.randomUUID(), text, ...extra },
    })
  ).body.message;
const search = (p: Person, query: string) => s.call("GET", `/api/v1/search/messages?${query}`, { token: p.token });
const texts = (r: { body: { results: { message: { text: string } }[] } }) => r.body.results.map((x) => x.message.text);

beforeAll(async () => {
  s = await startTestServer();
  ana = (await setUp(s)) as Person;
  [ben, cat, dan] = (await Promise.all(
    ["ben", "cat", "dan"].map((n) => addMember(s, ana.token, n)),
  )) as unknown as Person[] as [Person, Person, Person];
  direct = (
    await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "direct", userId: ben.user.id } })
  ).body.conversation.id;
  group = (
    await s.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "group", title: "Garden", memberIds: [ben.user.id, cat.user.id] },
    })
  ).body.conversation.id;
  other = (
    await s.call("POST", "/api/v1/conversations", { token: cat.token, body: { type: "direct", userId: dan.user.id } })
  ).body.conversation.id;
  await send(ana, direct, "The café on Rue Crème opens at nine");
  await send(ben, direct, "Let's meet at the cafe then");
  await send(ana, group, "Planting tomatoes and basil this weekend");
  await send(cat, group, "I will bring the tomato seedlings");
  await send(cat, other, "Secret tomatoes for Dan only");
  await send(ben, group, "Ελληνικά: ντομάτες και βασιλικός");
  await send(ana, group, "日本語のトマト");
});
afterAll(() => s.stop());

describe("message search", () => {
  test("finds words with accents folded, in my conversations only, with a snippet whose highlights are the matches", async () => {
    const r = await search(ben, "q=cafe");
    expect(r.status).toBe(200);
    expect(texts(r).sort()).toEqual(["Let's meet at the cafe then", "The café on Rue Crème opens at nine"]);
    const hit = r.body.results.find((x: any) => x.message.text.startsWith("The café"));
    expect(hit.conversation).toEqual({ id: direct, type: "direct", title: null });
    expect(hit.highlights.map(([a, b]: [number, number]) => hit.snippet.slice(a, b))).toEqual(["café"]);
    expect(hit.message.sender.username).toBe("ana");
    // Cat is in the group but not in Ana and Ben's direct conversation; Dan's secret is nobody else's.
    expect(texts(await search(cat, "q=cafe"))).toEqual([]);
    // Word forms: "tomatoes" finds "tomato" too.
    expect(texts(await search(ben, "q=tomatoes")).sort()).toEqual([
      "I will bring the tomato seedlings",
      "Planting tomatoes and basil this weekend",
    ]);
    expect(texts(await search(dan, "q=tomatoes"))).toEqual(["Secret tomatoes for Dan only"]);
  });

  test("the last word matches as a prefix; filters narrow by conversation, sender, date and files", async () => {
    expect(texts(await search(ana, "q=tomat")).sort()).toEqual([
      "I will bring the tomato seedlings",
      "Planting tomatoes and basil this weekend",
    ]);
    expect(texts(await search(ana, `q=tomat&senderId=${cat.user.id}`))).toEqual(["I will bring the tomato seedlings"]);
    expect(texts(await search(ana, `q=at&conversationId=${direct}`)).length).toBeGreaterThan(0);
    expect(texts(await search(ana, `q=tomat&conversationId=${direct}`))).toEqual([]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    const past = new Date(Date.now() - 3600_000).toISOString();
    expect(texts(await search(ana, `q=tomat&from=${encodeURIComponent(future)}`))).toEqual([]);
    expect(
      texts(await search(ana, `q=tomat&from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}`)),
    ).toHaveLength(2);
    const form = new FormData();
    form.append("file", new File(["seed list"], "seeds.txt"));
    const up = (await (
      await fetch(`${s.url}/api/v1/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${ana.token}` },
        body: form,
      })
    ).json()) as any;
    await send(ana, group, "tomato seed list attached", { attachmentIds: [up.attachment.id] });
    expect(texts(await search(ana, "q=tomato&hasFile=true"))).toEqual(["tomato seed list attached"]);
  });

  test("non-Latin scripts, and ranking prefers the better match, then the newer", async () => {
    expect(texts(await search(ben, "q=ντομάτες"))).toEqual(["Ελληνικά: ντομάτες και βασιλικός"]);
    // Case folds in every script (diacritics are folded for Latin letters, as FTS5's unicode61 does).
    expect(texts(await search(ben, `q=${encodeURIComponent("ΝΤΟΜΆΤΕΣ")}`))).toEqual([
      "Ελληνικά: ντομάτες και βασιλικός",
    ]);
    expect(texts(await search(ben, "q=日本語のトマト"))).toEqual(["日本語のトマト"]);
    await send(ana, group, "basil");
    await send(ana, group, "basil");
    const r = await search(ben, "q=basil");
    expect(texts(r)[0]).toBe("basil");
    // Equal text, equal relevance: the newest of the two comes first.
    expect(r.body.results[0].message.createdAt >= r.body.results[1].message.createdAt).toBe(true);
  });

  test("edits and deletions are reflected at once; a removed member finds nothing of the group", async () => {
    const m = await send(cat, group, "rhubarb crumble recipe");
    expect(texts(await search(ben, "q=rhubarb"))).toEqual(["rhubarb crumble recipe"]);
    await s.call("PATCH", `/api/v1/conversations/${group}/messages/${m.id}`, {
      token: cat.token,
      body: { text: "apple crumble recipe" },
    });
    expect(texts(await search(ben, "q=rhubarb"))).toEqual([]);
    expect(texts(await search(ben, "q=apple"))).toEqual(["apple crumble recipe"]);
    await s.call("DELETE", `/api/v1/conversations/${group}/messages/${m.id}`, { token: cat.token });
    expect(texts(await search(ben, "q=apple"))).toEqual([]);
    expect(texts(await search(cat, "q=tomat")).length).toBeGreaterThan(0);
    expect(
      (await s.call("DELETE", `/api/v1/conversations/${group}/members/${cat.user.id}`, { token: ana.token })).status,
    ).toBe(204);
    expect(texts(await search(cat, "q=tomat"))).toEqual(["Secret tomatoes for Dan only"]);
  });

  test("search syntax is literal: quotes, *, NEAR(, AND, OR, NOT, colons and parentheses never fail or change the meaning", async () => {
    await send(ana, direct, 'He said "AND" NEAR(the) door* (really) col:umn OR not');
    for (const q of [
      '"',
      '""',
      "*",
      "AND",
      "OR",
      "NOT",
      "NEAR(",
      "NEAR(the door",
      "(",
      ")",
      "((",
      "col:umn",
      "text:door",
      "^door",
      "-door",
      '"AND"',
      "a OR b",
      "{door}",
      "\\",
      "'",
      "%",
      "door*",
    ]) {
      const r = await search(ana, `q=${encodeURIComponent(q)}`);
      expect(r.status).toBe(200);
    }
    const and = texts(await search(ana, `q=${encodeURIComponent("AND")}`));
    expect(and).toContain('He said "AND" NEAR(the) door* (really) col:umn OR not');
    expect(and.every((t) => /\band/i.test(t))).toBe(true);
    expect(texts(await search(ana, `q=${encodeURIComponent("NEAR(the door*")}`))).toEqual([
      'He said "AND" NEAR(the) door* (really) col:umn OR not',
    ]);
    // "OR" is a word here, not an operator: both words must be present.
    expect(texts(await search(ana, `q=${encodeURIComponent("cafe OR tomato")}`))).toEqual([]);
    // "NOT" is a word too: a message with "door" and "not" matches, where FTS5 syntax would fail.
    expect(texts(await search(ana, `q=${encodeURIComponent("door NOT")}`))).toEqual([
      'He said "AND" NEAR(the) door* (really) col:umn OR not',
    ]);
    expect(texts(await search(ana, `q=${encodeURIComponent("NOT cafe")}`))).toEqual([]);
    // Empty, punctuation only, or very long queries: no results, no error.
    for (const q of ["", "   ", "!!!", "x".repeat(500)])
      expect((await search(ana, `q=${encodeURIComponent(q)}`)).body.results).toEqual([]);
  });

  test("word forms: hiking finds hike and hiked, the word as typed first; a short word is only itself", async () => {
    await send(ana, group, "We hike the ridge on Saturday");
    await send(ana, group, "Last year we hiked it in fog");
    await send(ben, group, "Hiking boots are a must");
    const r = await search(ben, "q=hiking");
    expect(texts(r)[0]).toBe("Hiking boots are a must");
    expect(texts(r).sort()).toEqual([
      "Hiking boots are a must",
      "Last year we hiked it in fog",
      "We hike the ridge on Saturday",
    ]);
    expect(texts(await search(ben, "q=hikes")).length).toBe(3);
    expect(texts(await search(ben, "q=boot"))).toEqual(["Hiking boots are a must"]);
    // A short word is a word: "the" does not find "then".
    expect(texts(await search(ben, "q=then"))).toEqual(["Let's meet at the cafe then"]);
  });

  test("did you mean: a misspelt word is corrected from the words of my own conversations only", async () => {
    await send(ana, group, "Lunch at the allotment at noon?");
    const typo = await search(ben, "q=lunhc");
    expect(typo.body).toMatchObject({ results: [], didYouMean: "lunch" });
    expect(texts(await search(ben, `q=${typo.body.didYouMean}`))).toEqual(["Lunch at the allotment at noon?"]);
    // Two words, one right: the other is corrected, and the pair must be found together.
    expect((await search(ben, "q=lunch%20allotmnet")).body.didYouMean).toBe("lunch allotment");
    // Dan's secret is in the index, but not in anything Ben may read: never suggested to him.
    expect((await search(ben, "q=secrt")).body.didYouMean).toBeUndefined();
    expect((await search(dan, "q=secrt")).body.didYouMean).toBe("secret");
    // Nothing close: no suggestion.
    expect((await search(ben, "q=xylophone")).body.didYouMean).toBeUndefined();
  });

  test("bad filters are 400; strangers 401", async () => {
    for (const q of [
      `q=a&from=yesterday`,
      "q=a&limit=0",
      "q=a&limit=51",
      "q=a&offset=-1",
      "q=a&hasFile=maybe",
      `q=${"x".repeat(501)}`,
      "q=a&unknown=1",
    ]) {
      const r = await search(ana, q);
      expect([q, r.status]).toEqual([q, 400]);
    }
    expect((await s.call("GET", "/api/v1/search/messages?q=a")).status).toBe(401);
  });
});

describe("people search and contact matching", () => {
  let eve: Person, zoe: Person;
  beforeAll(async () => {
    eve = (await addMember(s, ana.token, "jonathan.smith")) as unknown as Person;
    zoe = (await addMember(s, ana.token, "zoe")) as unknown as Person;
    await s.call("PATCH", "/api/v1/me", {
      token: eve.token,
      body: { displayName: "Jonathan Smith", email: "Jon@Example.org" },
    });
    await s.call("PATCH", "/api/v1/me", {
      token: zoe.token,
      body: { displayName: "Zoë Müller", email: "zoe@example.org", discoverable: false },
    });
  });
  const names = (r: any) => r.body.users.map((u: any) => u.username);
  const find = (q: string) => s.call("GET", `/api/v1/search/users?q=${encodeURIComponent(q)}`, { token: ana.token });

  test("typos and substrings find people; exact and prefix matches come first", async () => {
    expect(names(await find("jonathon"))).toEqual(["jonathan.smith"]);
    expect(names(await find("smiht"))).toEqual(["jonathan.smith"]);
    expect(names(await find("than.sm"))).toEqual(["jonathan.smith"]);
    expect(names(await find("jo"))).toEqual(["jonathan.smith"]);
    expect(names(await find("ben"))[0]).toBe("ben");
  });

  test("short names have their own rule: anna finds Ana, jon finds John, stefan finds Stephan", async () => {
    const names = [
      ["anacruz", "Ana Cruz"],
      ["jsmith", "John Smith"],
      ["stephan", "Stephan Berg"],
      ["mia", "Mia Wong"],
    ];
    for (const [username, displayName] of names) {
      const p = await addMember(s, ana.token, username);
      await s.call("PATCH", "/api/v1/me", { token: p.token, body: { displayName } });
    }
    const people = async (q: string) =>
      (await s.call("GET", `/api/v1/search/users?q=${q}`, { token: ana.token })).body.users.map(
        (u: any) => u.displayName,
      );
    expect(await people("anna")).toContain("Ana Cruz");
    expect(await people("jon")).toContain("John Smith");
    expect(await people("stefan")).toContain("Stephan Berg");
    expect(await people("anna")).not.toContain("Mia Wong");
  });

  test("someone who is not discoverable is found only by their exact username, and never by contact matching", async () => {
    expect(names(await find("zoë"))).toEqual([]);
    expect(names(await find("Müller"))).toEqual([]);
    expect(names(await find("zoe"))).toEqual(["zoe"]);
    const hash = (email: string) => new Bun.CryptoHasher("sha256").update(email.trim().toLowerCase()).digest("hex");
    const r = await s.call("POST", "/api/v1/contacts/match", {
      token: ben.token,
      body: {
        usernames: ["zoe", "JONATHAN.SMITH", "nobody"],
        emailHashes: [hash("jon@example.org"), hash("zoe@example.org"), hash("x@y.z")],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.matches.map((m: any) => [m.identifier, m.user.username]).sort()).toEqual(
      [
        ["JONATHAN.SMITH", "jonathan.smith"],
        [hash("jon@example.org"), "jonathan.smith"],
      ].sort(),
    );
    expect(JSON.stringify(r.body)).not.toContain("zoe@");
  });

  test("contact matching validates its input and is rate limited per person", async () => {
    for (const body of [
      { usernames: "ben" },
      { usernames: ["bad name"] },
      { emailHashes: ["abc"] },
      { usernames: Array(501).fill("a") },
      { other: [] },
    ]) {
      expect((await s.call("POST", "/api/v1/contacts/match", { token: cat.token, body })).status).toBe(400);
    }
    let last = 0;
    for (let i = 0; i < 12; i++)
      last = (await s.call("POST", "/api/v1/contacts/match", { token: dan.token, body: { usernames: ["ben"] } }))
        .status;
    expect(last).toBe(429);
  });
});
