export { AvlTree, AvlTreeIndex, avlIndex } from "./avl.js";
export { BinaryTreeIndex, type LinkedTree } from "./binary-tree-index.js";
export { HashIndex, hashIndex } from "./hash.js";
export { LinkedTreeBase } from "./linked-tree.js";
export { plugin, plugin as default } from "./plugin.js";
export { RbTree, RbTreeIndex, rbtreeIndex } from "./rbtree.js";
export { SKIPLIST_MAX_LEVEL, SkipListIndex, type SkipListOptions, skiplistIndex } from "./skiplist.js";
