import { DomainError } from "../../domain/shared/errors.js";
import { formatDate } from "../../domain/shared/when.js";
import { labTestLine, prepareLabTest } from "../labs.js";
import { say, type Turn } from "../turn.js";
import { showMenu } from "./menu.js";

/**
 * The guided lab-test journey: find a test by name or plain words, see its preparation and price, pick a day,
 * the lab or home collection (the address on file or a typed one), then the prepared booking with Confirm /
 * Change. Steps live in state.guided (lab_*); only offered choice ids are accepted.
 */
export async function guidedLabs(turn: Turn): Promise<boolean> {
  const g = turn.state.guided ?? { step: "menu" };
  const { choice, text } = turn.input;
  if (choice === "labs") {
    askTest(turn);
    return true;
  }
  // The lab steps only; any other step is the main machine's.
  const step: string = g.step;
  switch (step) {
    case "lab_query":
      if (choice !== undefined) return false;
      await findTests(turn, text.trim());
      return true;
    case "lab_pick_test":
      if (choice?.startsWith("lab:")) {
        await pickTest(turn, choice.slice(4));
        return true;
      }
      if (choice === undefined && text.trim().length >= 2) {
        await findTests(turn, text.trim());
        return true;
      }
      return false;
    case "lab_pick_day":
      if (choice?.startsWith("labday:") && g.labTest !== undefined) {
        await pickDay(turn, g.labTest, choice.slice(7));
        return true;
      }
      return false;
    case "lab_collection":
      if (g.labTest === undefined || g.date === undefined) return false;
      if (choice === "lab_at_lab") {
        await prepare(turn, g.labTest, g.date, "lab");
        return true;
      }
      if (choice === "lab_at_home") {
        await askAddress(turn, g.labTest, g.date);
        return true;
      }
      return false;
    case "lab_address":
      if (g.labTest === undefined || g.date === undefined) return false;
      if (choice === "lab_address_on_file") {
        await prepare(turn, g.labTest, g.date, "home");
        return true;
      }
      if (choice === "lab_address_other") {
        say(turn, "Please type the address where the sample should be taken.");
        return true;
      }
      if (choice === undefined) {
        const address = text.trim();
        if (address.length < 8 || address.length > 300) {
          say(turn, "Please type the full address (house, street, area, city).");
          return true;
        }
        await prepare(turn, g.labTest, g.date, "home", address);
        return true;
      }
      return false;
    default:
      return false;
  }
}

function askTest(turn: Turn): void {
  turn.state.guided = { step: "lab_query" };
  say(turn, "Which test? Type its name or what it is for (e.g. blood count, sugar, thyroid).");
}

async function findTests(turn: Turn, q: string): Promise<void> {
  if (q.length < 2 || q.length > 100) return askTest(turn);
  const tests = await turn.tools.findLabTests(q);
  if (tests.length === 0) {
    turn.state.guided = { step: "lab_query" };
    return void say(
      turn,
      `I found no lab test for "${q}". Try another name (e.g. CBC, HbA1c, lipid profile).`,
    );
  }
  turn.state.guided = { step: "lab_pick_test" };
  say(turn, `Lab tests for "${q}":`, {
    choices: [
      ...tests.map((t) => ({ id: `lab:${t.code}`, label: labTestLine(t) })),
      { id: "menu", label: "Main menu" },
    ],
  });
}

async function pickTest(turn: Turn, code: string): Promise<void> {
  const [test] = (await turn.tools.findLabTests(code, 5)).filter((t) => t.code === code);
  if (!test) return askTest(turn);
  const days = await turn.tools.labDays(turn.actor!);
  turn.state.guided = { step: "lab_pick_day", labTest: test.code };
  say(
    turn,
    `${labTestLine(test)}. Sample: ${test.sample_type}. Preparation: ${test.preparation}` +
      `${test.home_collection ? " It can be taken at home." : ""} Which day?`,
    { choices: days.map((d) => ({ id: `labday:${d}`, label: formatDate(d) })) },
  );
}

async function pickDay(turn: Turn, code: string, date: string): Promise<void> {
  const [test] = (await turn.tools.findLabTests(code, 5)).filter((t) => t.code === code);
  if (!test) return askTest(turn);
  if (!test.home_collection) return prepare(turn, code, date, "lab");
  turn.state.guided = { step: "lab_collection", labTest: code, date };
  say(turn, "Where should the sample be taken?", {
    choices: [
      { id: "lab_at_home", label: "At home" },
      { id: "lab_at_lab", label: "At the lab" },
    ],
  });
}

async function askAddress(turn: Turn, code: string, date: string): Promise<void> {
  turn.state.guided = { step: "lab_address", labTest: code, date };
  try {
    // The address on file, if any: the quote takes it when none is given.
    const quote = await turn.tools.labQuote(turn.actor!, {
      test_name: code,
      appointment_date: date,
      collection: "home",
    });
    say(turn, "At which address?", {
      choices: [
        { id: "lab_address_on_file", label: quote.address ?? "My address" },
        { id: "lab_address_other", label: "Another address" },
      ],
    });
  } catch (err) {
    if (err instanceof DomainError && err.code === "ADDRESS_REQUIRED")
      return void say(turn, "Please type the address where the sample should be taken.");
    throw err;
  }
}

async function prepare(
  turn: Turn,
  code: string,
  date: string,
  collection: "lab" | "home",
  address?: string,
): Promise<void> {
  try {
    await prepareLabTest(turn, { test: code, date, collection, address });
  } catch (err) {
    if (err instanceof DomainError && err.kind !== "unavailable") {
      return showMenu(turn, `That can't be booked: ${err.message}`);
    }
    throw err;
  }
}
