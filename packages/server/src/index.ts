export { SratixApi } from "./Api.js"
export { type EndpointRule, endpointRules, RequiredAccess } from "./http/Access.js"
export { makeLogger } from "./http/RequestLog.js"
export { openApiSpec, type RunningServer, runServer, type ServerOptions, serverLayer, startServer } from "./Server.js"
