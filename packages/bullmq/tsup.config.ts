import { libraryConfig } from "@sluice/tools/tsup";

export default libraryConfig();
