import { describe, expect, it } from "vitest";
import type { ConversationService } from "../conversations/service.js";
import type { ServiceContext } from "../context.js";
import type { JobOptions, Jobs } from "../shared/jobs.js";
import { DELIVER_CHUNK, NOTIFY_JOBS, NotificationService } from "./service.js";

/** Records what is added instead of running it. */
function recordingJobs(): Jobs & { added: { name: string; data: unknown; opts?: JobOptions }[] } {
  const added: { name: string; data: unknown; opts?: JobOptions }[] = [];
  return {
    kind: "in-process",
    added,
    handle: () => undefined,
    add: (name, data, opts) => {
      added.push({ name, data, ...(opts ? { opts } : {}) });
      return Promise.resolve();
    },
    addBulk: (name, items) => {
      for (const i of items) added.push({ name, data: i.data, ...(i.opts ? { opts: i.opts } : {}) });
      return Promise.resolve();
    },
    remove: () => Promise.resolve(),
    busy: () => Promise.resolve(0),
    counts: () => Promise.resolve([]),
    start: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

function service(jobs: Jobs): NotificationService {
  const ctx = { db: {}, jobs, config: {} } as unknown as ServiceContext;
  return new NotificationService(ctx, {} as ConversationService);
}

describe("delivery of a batch of outbox rows", () => {
  it("is queued as one notify.deliver_many job per chunk of rows", async () => {
    const jobs = recordingJobs();
    const ids = Array.from({ length: DELIVER_CHUNK * 2 + 3 }, (_, i) => 100 + i);
    await service(jobs).enqueueDeliveries(ids);
    expect(jobs.added.map((j) => j.name)).toEqual(Array(3).fill(NOTIFY_JOBS.deliverMany));
    expect(jobs.added.flatMap((j) => (j.data as { outboxIds: number[] }).outboxIds)).toEqual(ids);
    expect(jobs.added[0]!.opts).toMatchObject({ jobId: `notify-many:100:${DELIVER_CHUNK}` });
  });

  it("delivers every row; a row that fails gets its own notify.deliver job, the others are not queued again", async () => {
    const jobs = recordingJobs();
    const notifications = service(jobs);
    const delivered: number[] = [];
    notifications.deliver = (id: number) => {
      if (id === 2) return Promise.reject(new Error("provider down"));
      delivered.push(id);
      return Promise.resolve();
    };
    await notifications.deliverMany([1, 2, 3]);
    expect(delivered.sort()).toEqual([1, 3]);
    expect(jobs.added).toEqual([
      {
        name: NOTIFY_JOBS.deliver,
        data: { outboxId: 2 },
        opts: { jobId: "notify:2", removeOnComplete: true },
      },
    ]);
  });
});
