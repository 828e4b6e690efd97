export { RbTree, RbTreeIndex, rbtreeIndex } from "./rbtree.js";
