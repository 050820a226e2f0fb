// Every test file loads its own copy of @pulumi/pulumi, and the first function that copy serializes (a dynamic
// resource's provider, under the harness or setMocks) opens an inspector session it never closes. Left open it
// keeps the file's modules alive to the end of the jest worker, which then exits too slowly and is force-killed
// (testing/pulumi-inspector.ts): end it with the file.
import { releasePulumiInspector } from "../testing/pulumi-inspector";

afterAll(releasePulumiInspector);
