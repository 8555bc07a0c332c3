/** Test support: ids from seed.json that tests refer to. */
export const ALICE = "alice.sandbox@gmail.com";
export const BOB = "bob@northwind.example";
export const CAROL = "carol@northwind.example";
/** Alice's weekly yoga series: moved instance on 14 Jan, cancelled 28 Jan, EXDATE 21 Jan 2030. */
export const YOGA = "a1ce00000000000000000000001";
export const DENTIST = "a1ce00000000000000000000003";
export const FAMILY = "f4m1l10000000000000000000@group.calendar.google.com";
export const HUDSON = "c_1888hudson4room00000000000@resource.calendar.google.com";
export const ATLAS = "c_1888atlas1room000000000000@resource.calendar.google.com";
