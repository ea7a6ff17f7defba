import { Schema } from "effect"
import { Name, Slug, Timestamp } from "./Common.js"
import { OrgId } from "./Ids.js"

export class Organization extends Schema.Class<Organization>("Organization")({
  id: OrgId,
  name: Name,
  slug: Slug,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const CreateOrganization = Schema.Struct({ name: Name, slug: Slug }).annotations({
  identifier: "CreateOrganization",
})
export type CreateOrganization = typeof CreateOrganization.Type
