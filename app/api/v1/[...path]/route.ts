import { unknownRoute } from "@/app/_server/api/unknown-route";

export const dynamic = "force-dynamic";

// Every path under this prefix that no endpoint serves: a JSON 404 (app/_server/api/unknown-route.ts).
const answer = unknownRoute("console");
export const GET = answer;
export const POST = answer;
export const PUT = answer;
export const PATCH = answer;
export const DELETE = answer;
