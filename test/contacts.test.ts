// "Find people I know" in the web app (web/src/app/contacts.ts): what was typed or pasted becomes emails and
// usernames, and emails are hashed as the contact API expects.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { hashEmail, parseContacts } from "../web/src/app/contacts.ts";

describe("finding people I know", () => {
  test("emails and usernames from a list or an address book, once each; the rest said to be neither", () => {
    expect(parseContacts("Ana Bell <ANA@example.com>, ben@example.com; @cid\n dan  ana@example.com what?!")).toEqual({
      emails: ["ana@example.com", "ben@example.com"],
      usernames: ["cid", "dan"],
      invalid: ["what?!"],
    });
    expect(parseContacts("  ,; \n")).toEqual({ emails: [], usernames: [], invalid: [] });
  });

  test("an email is hashed as the API asks: SHA-256 hex of it trimmed and lower-cased", async () => {
    const expected = createHash("sha256").update("ben@example.com").digest("hex");
    expect(await hashEmail("  Ben@Example.COM ")).toBe(expected);
  });

  test("every address in a pasted list is found, whatever separates them", () => {
    const address = fc
      .tuple(fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.stringMatching(/^[a-z]{1,8}$/))
      .map(([user, domain]) => `${user}@${domain}.test`);
    fc.assert(
      fc.property(
        fc.uniqueArray(address, { maxLength: 20 }),
        fc.constantFrom(",", ";", "\n", " ", ", "),
        (list, sep) => {
          expect(parseContacts(list.join(sep)).emails).toEqual(list);
        },
      ),
    );
  });
});
