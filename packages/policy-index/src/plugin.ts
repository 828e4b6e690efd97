import { definePlugin, definePolicy, seedParam } from "@ksm/contracts";
import { avlIndex } from "./avl.js";
import { hashIndex } from "./hash.js";
import { rbtreeIndex } from "./rbtree.js";
import { skiplistIndex } from "./skiplist.js";

/** The content indexes as a plugin: `--policy tree=rbtree|avl|skiplist[:seed=N]|hash`. */
export const plugin = definePlugin({
  name: "@ksm/policy-index",
  policies: {
    tree: [
      ...[rbtreeIndex, avlIndex].map((f) =>
        definePolicy({ name: f.name, description: f.description, create: () => f }),
      ),
      definePolicy({
        name: "skiplist",
        description: skiplistIndex().description,
        params: {
          seed: seedParam("seed of the level generator"),
        },
        create: ({ seed }) => skiplistIndex({ seed }),
      }),
      definePolicy({ name: hashIndex.name, description: hashIndex.description, create: () => hashIndex }),
    ],
  },
});
