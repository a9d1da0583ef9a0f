// `fsmc/runtime`: the runtime package, `@fsmc/runtime`, for projects that install the whole of fsmc.
export * from "@fsmc/runtime";
