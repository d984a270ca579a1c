import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { installTestHooks } from "./lib/testHooks.svelte";

const target = document.getElementById("app");
if (!target) throw new Error("#app is missing from index.html");

installTestHooks();

export default mount(App, { target });
