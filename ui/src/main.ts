import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { installTestHooks } from "./lib/testHooks.svelte";
import { installTooltipDismissal } from "./lib/tooltips";

const target = document.getElementById("app");
if (!target) throw new Error("#app is missing from index.html");

installTestHooks();
installTooltipDismissal();

export default mount(App, { target });
