import {
  getOrgProjectUser,
  updateOrgProjectUser,
  removeOrgProjectUser,
} from "@/app/_server/api/endpoints/admin-projects";

export const dynamic = "force-dynamic";
export const GET = getOrgProjectUser.route;
export const PUT = updateOrgProjectUser.route;
export const DELETE = removeOrgProjectUser.route;
