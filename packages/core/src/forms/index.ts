/**
 * `@sratix/core/forms`: the registration form format and the one validator for answers. Browser-safe
 * and dependency-free, so the server and the widgets judge every answer by the same code.
 */
export * from "./Check.js"
export * from "./Definition.js"
export * from "./Messages.js"
export * from "./Places.js"
export * from "./Validate.js"
export * from "./Visibility.js"
