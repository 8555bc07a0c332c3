import { z } from "zod";

// Schemas shared by several routes. Route-specific schemas sit beside their route file.

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "A stable code from the error catalog" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: "Error" });

export const idParam = (name: string) =>
  z.guid({ message: `${name} must be a UUID` }).meta({ description: `The ${name}` });

export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.guid({ message: "after must be a UUID (the last id of the previous page)" }).optional(),
});

export const standardErrors = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  404: errorResponseSchema,
};
