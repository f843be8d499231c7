import type { MemberRow, NoteRow, PlanRow, TaskRow } from "./repository.js";

export interface PlanTaskView {
  id: number;
  plan_id: number;
  title: string;
  due_date: string | null;
  done: boolean;
  done_at: string | null;
  done_by_user_id: number | null;
}

export interface PlanNoteView {
  id: number;
  plan_id: number;
  kind: "progress" | "outcome";
  text: string;
  author_user_id: number;
  author_name: string;
  at: string;
}

export interface CareTeamMemberView {
  user_id: number;
  name: string;
  role: "doctor" | "nurse";
  plan_id: number | null;
  added_by_user_id: number;
  added_at: string;
}

export interface PlanView {
  id: number;
  patient_id: number;
  created_by_doctor_id: number;
  doctor_name: string;
  condition: string;
  goals: string[];
  status: "active" | "completed" | "cancelled";
  start_date: string;
  next_review_date: string | null;
  end_date: string | null;
  created_at: string;
  updated_at: string;
  tasks: PlanTaskView[];
  notes: PlanNoteView[];
  care_team: CareTeamMemberView[];
}

export function taskView(t: TaskRow): PlanTaskView {
  return {
    id: t.id,
    plan_id: t.planId,
    title: t.title,
    due_date: t.dueDate,
    done: t.doneAt !== null,
    done_at: t.doneAt?.toISOString() ?? null,
    done_by_user_id: t.doneByUserId,
  };
}

export function noteView(n: NoteRow): PlanNoteView {
  return {
    id: n.id,
    plan_id: n.planId,
    kind: n.kind,
    text: n.text,
    author_user_id: n.authorUserId,
    author_name: n.authorName,
    at: n.at.toISOString(),
  };
}

export function memberView(m: MemberRow): CareTeamMemberView {
  return {
    user_id: m.userId,
    name: m.name,
    role: m.role,
    plan_id: m.planId,
    added_by_user_id: m.addedByUserId,
    added_at: m.addedAt.toISOString(),
  };
}

export function planView(p: PlanRow, tasks: TaskRow[], notes: NoteRow[], team: MemberRow[]): PlanView {
  return {
    id: p.id,
    patient_id: p.patientId,
    created_by_doctor_id: p.createdByDoctorId,
    doctor_name: p.doctorName,
    condition: p.condition,
    goals: p.goals,
    status: p.status,
    start_date: p.startDate,
    next_review_date: p.nextReviewDate,
    end_date: p.endDate,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
    tasks: tasks.filter((t) => t.planId === p.id).map(taskView),
    notes: notes.filter((n) => n.planId === p.id).map(noteView),
    care_team: team.map(memberView),
  };
}
