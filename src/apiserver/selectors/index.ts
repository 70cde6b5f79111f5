export * from "./label-selector.js";
export * from "./field-selector.js";
export * from "./selectable-fields.js";
