import { runService } from "../../common/src/index.ts";
import { createApp } from "./app.ts";

// Process entry of the image service. The environment variables are described in readServiceConfig.
runService("image", createApp);
